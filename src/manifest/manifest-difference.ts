/** One way the restored database differs from its manifest: a result for the manifest check, never an exception. */
export interface ManifestDifference {
  kind:
    | 'table-missing'
    | 'table-extra'
    | 'rows'
    | 'timestamp'
    | 'sequence'
    | 'schema'
    | 'type'
    | 'extension'
    | 'hypertable'
    | 'migration';
  /** What differs, as users name it: `shop.orders`, `shop.orders.created_at`, `extension postgis`. */
  subject: string;
  /** What the manifest recorded. */
  expected: string;
  /** What the restored database has. */
  actual: string;
  /** One line: the subject, both values, and why that is a difference. */
  message: string;
}

/** `shop.orders: 20000 rows restored, 20500 in the manifest (500 fewer: …)`. */
export function describeMismatch(subject: string, actual: string, expected: string, why?: string): string {
  return `${subject}: ${actual} restored, ${expected} in the manifest${why ? ` (${why})` : ''}`;
}

export function countOf(count: number, word: string): string {
  return `${count} ${count === 1 ? word : `${word}s`}`;
}

export function difference(
  kind: ManifestDifference['kind'],
  subject: string,
  values: { expected: string; actual: string },
  message: string,
): ManifestDifference {
  return { kind, subject, ...values, message };
}
