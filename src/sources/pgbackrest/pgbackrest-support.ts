import { runCommand } from '../../process/run-command.js';
import { EngineError } from '../../errors.js';

/**
 * The first pgBackRest release that restores each PostgreSQL major (its release notes' "PostgreSQL N support";
 * where a release is in doubt the later one is named, so a host pgBackRest is only trusted when surely able).
 * A repository's format is shared by every 2.x release: an older pgBackRest lists a newer major's backups
 * (`info`), but `restore` and `archive-get` refuse it: `[046]: invalid PostgreSQL version 170000`.
 */
const FIRST_RELEASE_FOR_MAJOR: Record<number, string> = {
  12: '2.18',
  13: '2.30',
  14: '2.34',
  15: '2.41',
  16: '2.47',
  17: '2.52',
  18: '2.55',
};

const NEWEST_KNOWN_MAJOR = Math.max(...Object.keys(FIRST_RELEASE_FOR_MAJOR).map(Number));

/** `pgBackRest 2.45` → [2, 45]; undefined when the text names no version. */
export function parsePgbackrestVersion(text: string): [number, number, number] | undefined {
  const match = /pgBackRest (\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

/**
 * Whether a pgBackRest of `version` restores PostgreSQL `major`: true below the table (older majors), false
 * above it (a major newer than this table is not assumed supported by any release it names).
 */
export function pgbackrestHandlesMajor(version: [number, number, number], major: number): boolean {
  if (major > NEWEST_KNOWN_MAJOR) return false;
  const first = FIRST_RELEASE_FOR_MAJOR[major];
  if (!first) return true;
  const [fMajor, fMinor] = first.split('.').map(Number) as [number, number];
  return version[0] > fMajor || (version[0] === fMajor && version[1] >= fMinor);
}

/** The release that first restores `major`, for messages. */
export function firstPgbackrestFor(major: number): string | undefined {
  return FIRST_RELEASE_FOR_MAJOR[major];
}

let hostVersion: Promise<string | undefined> | undefined;

/** `pgbackrest version` of this machine (asked once per process), or undefined when there is none. */
export function hostPgbackrestVersion(): Promise<string | undefined> {
  hostVersion ??= runCommand('pgbackrest', ['version']).then(
    (r) => r.stdout.trim(),
    () => undefined,
  );
  return hostVersion;
}

/**
 * Where pgBackRest restores a backup of `major`: this machine's pgBackRest when it knows that major (or the
 * major or its version is unknown), else the one in a container of the backup's major (docker engine); on
 * the local engine a pgBackRest too old for the backup is an error before anything is restored.
 */
export async function pgbackrestPlacement(
  major: number | undefined,
  containerAvailable: boolean,
  where: string,
): Promise<'host' | 'container'> {
  if (major === undefined) return 'host';
  const said = await hostPgbackrestVersion();
  const version = said ? parsePgbackrestVersion(said) : undefined;
  if (!version || pgbackrestHandlesMajor(version, major)) return 'host';
  if (containerAvailable) return 'container';
  const first = firstPgbackrestFor(major);
  throw new EngineError(
    'PGBACKREST_TOO_OLD',
    `${said} on this machine does not restore PostgreSQL ${major} (${first ? `pgBackRest ${first} or newer does` : 'no release this pgdrill knows of is known to'}); ${where} holds a PostgreSQL ${major} backup`,
    {
      hint: `install pgBackRest ${first ?? 'of a release that supports it'} or newer on this machine, or use the docker engine (--engine docker), which runs the pgBackRest of an image of PostgreSQL ${major} (pgdrill/postgres:${major} from scripts/build-images.sh)`,
    },
  );
}
