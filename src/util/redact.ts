/** What a redacted secret is replaced with in every output. */
export const REDACTED = '***';

/**
 * Values shorter than this are not redacted: replacing every "1" or "ab" in a report would mangle it and
 * protect nothing (a secret that short is guessed anyway). The run warns about such a variable instead.
 */
export const MIN_REDACTED_LENGTH = 4;

/** Environment variables that hold secrets whatever the suite says. */
export const ALWAYS_SECRET_ENV = [
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'PGPASSWORD',
  'PGDRILL_SIGNING_KEY',
] as const;

export interface Redactor {
  /** Redact this value from now on (a server's password, once the server exists). */
  add(value: string | undefined): void;
  text(value: string): string;
  /** A deep copy with every string redacted (plain objects and arrays; other objects are kept as they are). */
  value<T>(value: T): T;
}

export function createRedactor(values: Iterable<string | undefined> = []): Redactor {
  const secrets = new Set<string>();
  let pattern: RegExp | undefined;
  const add = (value: string | undefined) => {
    if (value === undefined || value.length < MIN_REDACTED_LENGTH || secrets.has(value)) return;
    secrets.add(value);
    // Longest first, so a secret containing another is replaced whole. Any case: PostgreSQL folds an
    // unquoted identifier to lower case, and its error messages then quote the folded secret.
    const alternatives = [...secrets]
      .sort((a, b) => b.length - a.length)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    pattern = new RegExp(alternatives.join('|'), 'gi');
  };
  for (const value of values) add(value);
  const text = (value: string): string => (pattern ? value.replace(pattern, REDACTED) : value);
  const deep = (value: unknown): unknown => {
    if (typeof value === 'string') return text(value);
    if (Array.isArray(value)) return value.map(deep);
    if (value !== null && typeof value === 'object' && isPlain(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deep(v)]));
    }
    return value;
  };
  return { add, text, value: <T>(value: T) => (secrets.size === 0 ? value : (deep(value) as T)) };
}

/**
 * The names of the environment variables a suite names as holding a secret: every option whose key ends in
 `Env` (decrypt.keyEnv, cipherPassEnv, notify urlEnv, history urlEnv, …), plus the AWS, libpq and signing-key secrets.
 */
export function secretEnvNames(config: unknown): string[] {
  const names = new Set<string>(ALWAYS_SECRET_ENV);
  const walk = (value: unknown, depth: number): void => {
    if (depth > 50 || value === null || typeof value !== 'object' || !(Array.isArray(value) || isPlain(value))) return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item, depth + 1);
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      if (/Env$/.test(key) && typeof item === 'string' && item !== '') names.add(item);
      else walk(item, depth + 1);
    }
  };
  walk(config, 0);
  return [...names];
}

/**
 * The redactor of a run: the values of every secret the suites name and of the AWS and libpq secrets, plus
 * the names of the variables whose value is too short to redact (for a warning that names, never shows, them).
 */
export function createSuiteRedactor(
  config: unknown,
  env: Record<string, string | undefined>,
): Redactor & { tooShort: string[] } {
  const names = secretEnvNames(config);
  const tooShort = names.filter((name) => (env[name] ?? '').length > 0 && env[name]!.length < MIN_REDACTED_LENGTH);
  return Object.assign(createRedactor(names.map((name) => env[name])), { tooShort });
}

/** The same error with its message, hint, details and stack redacted (a thrown error is printed as it is). */
export function redactError(error: unknown, text: (value: string) => string): unknown {
  if (!(error instanceof Error)) return typeof error === 'string' ? text(error) : error;
  const fields = error as Error & { hint?: string; details?: string[] };
  fields.message = text(fields.message);
  if (fields.stack) fields.stack = text(fields.stack);
  if (typeof fields.hint === 'string') Object.defineProperty(fields, 'hint', { value: text(fields.hint) });
  if (Array.isArray(fields.details))
    fields.details.splice(
      0,
      fields.details.length,
      ...fields.details.map((line) => (typeof line === 'string' ? text(line) : line)),
    );
  return error;
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
