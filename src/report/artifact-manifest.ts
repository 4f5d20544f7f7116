import { createHash, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { signManifest } from './artifact-signature.js';

/** Collects the files a run wrote (reports, and whatever else a writer registers) for the manifest. */
export interface ArtifactRecorder {
  record(file: string): void;
  files(): string[];
}

export function createArtifactRecorder(): ArtifactRecorder {
  const files = new Set<string>();
  return { record: (file) => void files.add(resolve(file)), files: () => [...files] };
}

export interface ArtifactManifestOptions {
  /** Where to write the manifest; paths in it are relative to its directory. */
  file: string;
  artifacts: string[];
  /** Ed25519 private key: also write `<file>.sig`. */
  signingKey?: KeyObject;
}

export interface ArtifactManifestResult {
  file: string;
  signatureFile?: string;
  entries: { path: string; sha256: string }[];
}

/**
 * A `sha256sum`-compatible manifest (`<hex>  <path>` per line: `sha256sum -c` checks it too) of every
 * artifact, and optionally a detached Ed25519 signature of the manifest's bytes.
 */
export async function writeArtifactManifest(options: ArtifactManifestOptions): Promise<ArtifactManifestResult> {
  const file = resolve(options.file);
  const dir = dirname(file);
  const signatureFile = options.signingKey ? `${file}.sig` : undefined;
  const artifacts = [...new Set(options.artifacts.map((a) => resolve(a)))].filter(
    (a) => a !== file && a !== signatureFile,
  );
  const entries = await Promise.all(
    artifacts.map(async (a) => ({ path: relative(dir, a).split(sep).join('/'), sha256: await sha256File(a) })),
  );
  const text = entries.map((e) => `${e.sha256}  ${e.path}\n`).join('');
  await mkdir(dir, { recursive: true });
  await writeFile(file, text);
  if (options.signingKey && signatureFile)
    await writeFile(signatureFile, signManifest(await readFile(file), options.signingKey));
  return { file, signatureFile, entries };
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
