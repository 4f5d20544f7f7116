import pg from 'pg';
import type { Queryable } from '../checks/check.js';
import { formatPgError, isPgError } from '../checks/run-check.js';
import { ConfigError, StorageError } from '../errors.js';
import { captureManifest, type CaptureManifestOptions } from './capture-manifest.js';
import { writeManifestFile } from './manifest-file.js';
import type { Manifest } from './manifest-schema.js';

export interface CaptureManifestFileOptions extends Omit<CaptureManifestOptions, 'missing'> {
  /** `postgresql://user@host:port/database`; the password may come from PGPASSWORD (or ~/.pgpass) instead. */
  url: string;
  /** Where the JSON is written (pretty, mode 0644); its directory is created. */
  out: string;
}

const CONNECT_TIMEOUT_MS = 30_000;

/**
 * Connects to a live database, captures its manifest in one read-only snapshot and writes it to `out`.
 * Errors: ConfigError (exit 2) for a bad URL, schema, column or output path; StorageError (exit 3) when the
 * database cannot be reached, refuses the login, or a query fails.
 */
export async function captureManifestToFile(options: CaptureManifestFileOptions): Promise<Manifest> {
  return withLiveDatabase(options.url, 'pgdrill manifest', async (db, where) => {
    const manifest = await captureManifest(db, { ...options, missing: 'error' }).catch((error: unknown) => {
      throw isPgError(error) ? captureError(error, where) : error;
    });
    await writeManifestFile(options.out, manifest);
    return manifest;
  });
}

/** Connect to a live database (the source or a replica), run `fn` on that one connection, disconnect. */
export async function withLiveDatabase<T>(
  url: string,
  applicationName: string,
  fn: (db: Queryable, where: string) => Promise<T>,
): Promise<T> {
  const where = displayUrl(url);
  const client = new pg.Client({
    connectionString: url,
    application_name: applicationName,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw connectError(error, where);
  }
  try {
    return await fn({ query: async (sql, params) => (await client.query(sql, params as unknown[])).rows }, where);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The URL without its password, for messages: `postgresql://app@db.internal:5432/shop`. */
export function displayUrl(url: string): string {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError('INVALID_DATABASE_URL', 'the database must be given as a postgresql:// URL', {
      hint: 'write postgresql://user@host:5432/database and pass the password in PGPASSWORD',
    });
  }
  try {
    const parsed = new URL(url);
    const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
    return `postgresql://${user}${parsed.host}${parsed.pathname}`;
  } catch {
    throw new ConfigError('INVALID_DATABASE_URL', 'the database URL could not be parsed', {
      hint: 'write postgresql://user@host:5432/database; percent-encode special characters in the user name',
    });
  }
}

function connectError(error: unknown, where: string): StorageError {
  const code = (error as { code?: string }).code;
  const reason = isPgError(error) ? formatPgError(error).message : ((error as Error).message ?? String(error));
  if (code === '28P01' || code === '28000') {
    return new StorageError('DATABASE_ACCESS_DENIED', `${where} refused the login: ${reason}`, {
      cause: error,
      hint: 'check the user in the URL and the password in PGPASSWORD; the role needs LOGIN and CONNECT on the database',
    });
  }
  if (code === '3D000') {
    return new StorageError('DATABASE_NOT_FOUND', `${where}: ${reason}`, {
      cause: error,
      hint: 'name an existing database in the URL path',
    });
  }
  return new StorageError('DATABASE_UNREACHABLE', `could not connect to ${where}: ${reason}`, {
    cause: error,
    hint: `check the host, port and network; pgdrill waits ${CONNECT_TIMEOUT_MS / 1000} s for a connection`,
  });
}

function captureError(error: Parameters<typeof formatPgError>[0], where: string): StorageError {
  const { message, details } = formatPgError(error);
  return new StorageError('MANIFEST_CAPTURE_FAILED', `reading the manifest from ${where} failed: ${message}`, {
    cause: error,
    details,
    hint:
      error.code === '42501'
        ? 'the role needs SELECT on every table and sequence in scope (pg_read_all_data does it)'
        : undefined,
  });
}
