type JsonSchema = { [key: string]: unknown };

/** `${VAR}` or `${VAR:-default}`, as interpolate-env.ts replaces it (a JSON Schema pattern: ECMA-262, unanchored). */
export const ENV_PLACEHOLDER_PATTERN = '\\$\\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\\}';
/** What `z.string().url()` accepts, near enough for an editor: a scheme, a colon, no spaces. */
const URL_PATTERN = '^[A-Za-z][A-Za-z0-9+.-]*:\\S*$';

/**
 * Editors check a suite as written, before pgdrill replaces `${VAR}`: a string value holding a placeholder
 * must pass wherever the schema has a pattern or a format (pgdrill checks the expanded value when it loads
 * the suite). So a pattern also accepts any value with a placeholder, and a format becomes such a pattern
 * (`uri`: a scheme, then a colon) or is left out. Map keys (`propertyNames`) are never interpolated: kept.
 */
export function allowEnvPlaceholders(schema: JsonSchema): JsonSchema {
  const node: JsonSchema = { ...schema };
  const isString = node.type === 'string' || (Array.isArray(node.type) && node.type.includes('string'));
  if (isString && (typeof node.pattern === 'string' || typeof node.format === 'string')) {
    const own = typeof node.pattern === 'string' ? node.pattern : node.format === 'uri' ? URL_PATTERN : undefined;
    delete node.format;
    if (own === undefined) delete node.pattern;
    else node.pattern = `(?:${own})|${ENV_PLACEHOLDER_PATTERN}`;
  }
  const sub = (value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? allowEnvPlaceholders(value as JsonSchema)
      : value;
  const subMap = (value: unknown) =>
    value !== null && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sub(v)]))
      : value;
  for (const key of ['properties', 'definitions', '$defs', 'patternProperties'])
    if (key in node) node[key] = subMap(node[key]);
  for (const key of ['additionalProperties', 'not', 'contains', 'if', 'then', 'else'])
    if (key in node) node[key] = sub(node[key]);
  for (const key of ['anyOf', 'oneOf', 'allOf'])
    if (Array.isArray(node[key])) node[key] = (node[key] as unknown[]).map(sub);
  if ('items' in node) node.items = Array.isArray(node.items) ? node.items.map(sub) : sub(node.items);
  return node;
}
