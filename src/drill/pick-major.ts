import { EngineError } from '../errors.js';

/**
 * The server major for a logical restore: the one the dump came from when available, else the nearest
 * newer one (pg_restore restores into newer servers), else an error naming what to install.
 */
export function pickMajor(options: {
  requested?: number;
  sourceMajor?: number;
  available: number[];
  engine: string;
}): number | undefined {
  if (options.requested !== undefined) return options.requested;
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
