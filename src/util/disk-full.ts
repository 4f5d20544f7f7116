import { statfs } from 'node:fs/promises';
import { StorageError, isDrillError } from '../errors.js';

const NO_SPACE = /No space left on device|ENOSPC|EDQUOT|Disk quota exceeded/i;

/** Whether an error (its code, message, details or any cause) says a disk ran out of space. */
export function isDiskFull(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (isDrillError(e) && e.code === 'DISK_FULL') return true;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return true;
    if (e instanceof Error && NO_SPACE.test(e.message)) return true;
    if (isDrillError(e) && e.details.some((line) => NO_SPACE.test(line))) return true;
  }
  return false;
}

/**
 * The disk error for `dir`: which directory, its free and total space now (statfs), and what was being
 * written. The world's fault (exit 3), never the backup's.
 */
export async function diskFullError(
  dir: string,
  doing: string,
  cause?: unknown,
  saidElsewhere?: string,
): Promise<StorageError> {
  if (isDrillError(cause) && cause.code === 'DISK_FULL') return cause as StorageError;
  const space = await statfs(dir).then(
    (s) => `${formatBytes(s.bavail * s.bsize)} free of ${formatBytes(s.blocks * s.bsize)}`,
    () => 'free space unknown',
  );
  const said =
    saidElsewhere ??
    (isDrillError(cause) ? cause.details.find((l) => NO_SPACE.test(l)) : undefined) ??
    (cause instanceof Error && NO_SPACE.test(cause.message) ? cause.message : undefined);
  return new StorageError('DISK_FULL', `no space left on the disk of ${dir} while ${doing} (${space})`, {
    cause,
    details: said ? [said.trim()] : [],
    hint: 'free space there, or point TMPDIR at a larger disk; the disk check (on unless --no-disk-check) refuses drills whose estimate does not fit',
  });
}

/**
 * Run `fn`; a disk-full failure anywhere inside becomes DISK_FULL naming `dir`. `evidence` gives more lines
 * to look in (a server log: a server that PANICs on a full disk tells its client only that it went away).
 */
export async function withDiskFull<T>(
  dir: string,
  doing: string,
  fn: () => Promise<T>,
  evidence?: () => Promise<string[]>,
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isDiskFull(error)) throw await diskFullError(dir, doing, error);
    const lines = evidence ? await evidence().catch(() => []) : [];
    const said = lines.find((line) => NO_SPACE.test(line));
    if (said) throw await diskFullError(dir, doing, error, said);
    throw error;
  }
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
