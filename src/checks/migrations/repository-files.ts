import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Names of the regular files in `dir`; with `recursive`, paths relative to it with `/` separators. */
export async function listFiles(dir: string, recursive = false): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.isFile()) files.push(entry.name);
    else if (recursive && entry.isDirectory()) {
      for (const nested of await listFiles(join(dir, entry.name), true)) files.push(`${entry.name}/${nested}`);
    }
  }
  return files.sort(compareCodeUnits);
}

export async function listDirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort(compareCodeUnits);
}

/** The file's bytes, or undefined when it does not exist. */
export async function readOptionalFile(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Hex digest; a string is hashed as its UTF-8 bytes. */
export function hashHex(algorithm: 'sha256' | 'md5', data: string | Uint8Array): string {
  return createHash(algorithm).update(data).digest('hex');
}

/** JavaScript's default string order (UTF-16 code units), which Knex, Prisma and a plain sort use. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Numbers as numbers ("9" before "10"), anything else as text. */
export function compareNumericKeys(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const [x, y] = [BigInt(a), BigInt(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return compareCodeUnits(a, b);
}
