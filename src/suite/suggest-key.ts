type JsonSchema = { [key: string]: unknown };

/** Edits (insert, delete, substitute one character) that turn `a` into `b`. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The known key a mistyped one most likely meant: the same letters in another case, else the nearest within
 * two edits (and fewer edits than the key has characters, so `x` does not suggest `max`). Ties: the first known.
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const sameLetters = known.find((k) => k.toLowerCase() === key.toLowerCase());
  if (sameLetters !== undefined) return sameLetters;
  let best: { key: string; distance: number } | undefined;
  for (const k of known) {
    const distance = levenshtein(key, k);
    if (distance <= 2 && distance < key.length && (best === undefined || distance < best.distance))
      best = { key: k, distance };
  }
  return best?.key;
}

/** `unknown key "maxx" (did you mean "max"?)`; several: `unknown keys "a", "tabel" (did you mean "table"?)`. */
export function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  const listed = keys.map((key) => {
    const hint = closestKey(key, known);
    return `"${key}"${hint === undefined ? '' : ` (did you mean "${hint}"?)`}`;
  });
  return `unknown key${keys.length > 1 ? 's' : ''} ${listed.join(', ')}`;
}

/** The keys a JSON Schema allows in the object at `path` (every branch of a union counted). */
export function knownKeysAt(schema: JsonSchema, path: readonly (string | number)[]): string[] {
  let nodes = branches(schema);
  for (const step of path) {
    nodes = nodes.flatMap((node) => {
      if (typeof step === 'number')
        return Array.isArray(node.items) ? branches(node.items[step]) : branches(node.items);
      const properties = node.properties as Record<string, unknown> | undefined;
      if (properties && Object.hasOwn(properties, step)) return branches(properties[step]);
      return branches(node.additionalProperties);
    });
  }
  return [...new Set(nodes.flatMap((node) => Object.keys((node.properties as object | undefined) ?? {})))];
}

function branches(node: unknown): JsonSchema[] {
  if (node === null || typeof node !== 'object') return [];
  const n = node as JsonSchema;
  const union = [
    ...((n.anyOf as unknown[] | undefined) ?? []),
    ...((n.oneOf as unknown[] | undefined) ?? []),
    ...((n.allOf as unknown[] | undefined) ?? []),
  ];
  return [n, ...union.flatMap(branches)];
}
