import { ConfigError, EngineError } from '../errors.js';

/**
 * The server major for a logical restore: the one the dump came from when available, else the nearest
 * newer one (pg_restore restores into newer servers), else an error naming what to install. A requested
 * major newer than the dump's is an upgrade rehearsal; an older one is refused (pg_restore cannot read a
 * newer pg_dump's archive, and a newer server's dump does not load into an older one).
 */
export function pickMajor(options: {
  requested?: number;
  sourceMajor?: number;
  available: number[];
  engine: string;
}): number | undefined {
  if (options.requested !== undefined) {
    assertNotOlderThanDump(options.requested, options.sourceMajor);
    return options.requested;
  }
  if (options.sourceMajor === undefined) return undefined;
  const source = options.sourceMajor;
  if (options.available.includes(source)) return source;
  const newer = options.available.filter((m) => m > source).sort((a, b) => a - b);
  if (newer.length > 0) return newer[0];
  throw new EngineError(
    'POSTGRES_MAJOR_NOT_INSTALLED',
    `the backup comes from PostgreSQL ${source}; the ${options.engine} engine has ${options.available.length ? options.available.join(', ') : 'none'}, and a dump cannot be restored into an older major`,
    // Everything at once: the server and the client tools of that major (pg_restore and psql run from it), or an image.
    {
      hint:
        `install postgresql-${source} and postgresql-client-${source} (Debian/Ubuntu: apt-get install postgresql-${source} postgresql-client-${source}, ` +
        `from the PGDG apt repository where the distribution lacks them), or use the docker engine with the image postgres:${source} ` +
        `(or pgdrill/postgres:${source} from scripts/build-images.sh --majors=${source})`,
    },
  );
}

/** `postgres.major` older than the dump's major: refused before any server starts. */
export function assertNotOlderThanDump(requested: number | undefined, dumpMajor: number | undefined): void {
  if (requested === undefined || dumpMajor === undefined || requested >= dumpMajor) return;
  throw new ConfigError(
    'POSTGRES_MAJOR_OLDER_THAN_DUMP',
    `the drill asks for PostgreSQL ${requested} (postgres.major), but the dump comes from PostgreSQL ${dumpMajor}: pg_restore ${requested} cannot read a newer pg_dump's archive and a dump does not restore into an older major`,
    {
      hint: `remove postgres.major to restore into PostgreSQL ${dumpMajor}, or set it to ${dumpMajor} or newer (a newer major rehearses an upgrade)`,
    },
  );
}

/** A physical backup starts only on its own major: `postgres.major` naming another is refused before anything is restored. */
export function assertPhysicalMajor(
  requested: number | undefined,
  backupMajor: number | undefined,
  kind: string,
): void {
  if (requested === undefined || backupMajor === undefined || requested === backupMajor) return;
  throw new ConfigError(
    'PHYSICAL_MAJOR_MISMATCH',
    `the drill asks for PostgreSQL ${requested} (postgres.major), but the ${kind} backup is PostgreSQL ${backupMajor}: a physical backup restores only into its own major`,
    {
      hint: `remove postgres.major (or set it to ${backupMajor}); to rehearse an upgrade to ${requested}, drill a pg_dump of the database with postgres.major: ${requested}`,
    },
  );
}
