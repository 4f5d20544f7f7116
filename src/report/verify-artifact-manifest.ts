import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { sha256File } from './artifact-manifest.js';
import { parsePublicKey, verifyManifestSignature } from './artifact-signature.js';

export interface VerifyManifestOptions {
  file: string;
  /** PEM text of the Ed25519 public key; without it the signature is not checked. */
  publicKeyPem?: string;
  /** Where the public key came from, for messages. */
  publicKeyFrom?: string;
}

export interface VerifyManifestResult {
  /** Every file has its recorded hash and, when a public key was given, the signature is valid. */
  ok: boolean;
  files: { path: string; status: 'ok' | 'changed' | 'missing' }[];
  signature: 'valid' | 'invalid' | 'missing' | 'not checked';
}

const LINE = /^([0-9a-f]{64}) [ *](.+)$/;

/** Re-hash every file the manifest names (relative to the manifest) and check its signature. */
export async function verifyArtifactManifest(options: VerifyManifestOptions): Promise<VerifyManifestResult> {
  const file = resolve(options.file);
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new ConfigError(
      'ARTIFACT_MANIFEST_NOT_FOUND',
      `cannot read the manifest ${options.file} (${error.code ?? error.message})`,
      { hint: 'pass the manifest pgdrill run wrote (--manifest, or SHA256SUMS beside --json)' },
    );
  });
  const lines = bytes
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  const entries = lines.map((line, i) => {
    const match = LINE.exec(line);
    if (!match)
      throw new ConfigError(
        'ARTIFACT_MANIFEST_INVALID',
        `${options.file} line ${i + 1} is not "<sha256 hex>  <path>"`,
        { hint: 'is this a manifest pgdrill wrote?' },
      );
    return { sha256: match[1]!, path: match[2]! };
  });
  const key =
    options.publicKeyPem === undefined
      ? undefined
      : parsePublicKey(options.publicKeyPem, options.publicKeyFrom ?? 'the public key');
  const files = await Promise.all(
    entries.map(async (e) => {
      const actual = await sha256File(resolve(dirname(file), e.path)).catch(() => undefined);
      return {
        path: e.path,
        status:
          actual === undefined ? ('missing' as const) : actual === e.sha256 ? ('ok' as const) : ('changed' as const),
      };
    }),
  );
  let signature: VerifyManifestResult['signature'] = 'not checked';
  if (key) {
    const text = await readFile(`${file}.sig`, 'utf8').catch(() => undefined);
    signature = text === undefined ? 'missing' : verifyManifestSignature(bytes, text, key) ? 'valid' : 'invalid';
  }
  return {
    ok: files.every((f) => f.status === 'ok') && (signature === 'valid' || signature === 'not checked'),
    files,
    signature,
  };
}
