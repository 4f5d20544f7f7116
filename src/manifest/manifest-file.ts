import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { parseManifest, type Manifest } from './manifest-schema.js';

/** Reads and validates a manifest file: ConfigError `MANIFEST_NOT_FOUND` or `MANIFEST_INVALID` with every problem. */
export async function readManifestFile(path: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError('MANIFEST_NOT_FOUND', `manifest ${path} could not be read (${code ?? String(error)})`, {
      cause: error,
      hint: 'capture one with `pgdrill manifest capture --db <url> --out <file>`; a relative `file` is relative to the suite file',
    });
  }
  return parseManifest(text, `manifest ${path}`);
}

/** Writes pretty JSON, mode 0644, through a temporary file and a rename so a reader never sees half a manifest. */
export async function writeManifestFile(path: string, manifest: Manifest): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o644 });
    await chmod(temporary, 0o644); // the umask may have narrowed the mode
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      'MANIFEST_NOT_WRITTEN',
      `the manifest could not be written to ${path} (${code ?? String(error)})`,
      {
        cause: error,
        hint: 'choose an --out path in a directory you can write to',
      },
    );
  }
}
