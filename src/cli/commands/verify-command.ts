import { readFile } from 'node:fs/promises';
import { ConfigError, exitCodeFor, verifyArtifactManifest } from '../../index.js';
import { printError } from '../print-error.js';

/** `pgdrill verify <manifest> [--public-key <pem>]`: 0 intact, 1 changed/missing/bad signature, 2 usage. */
export async function verifyCommand(manifest: string, flags: { publicKey?: string }): Promise<number> {
  try {
    const publicKeyPem = flags.publicKey === undefined ? undefined : await readPublicKey(flags.publicKey);
    const result = await verifyArtifactManifest({ file: manifest, publicKeyPem, publicKeyFrom: flags.publicKey });
    for (const f of result.files)
      process.stdout.write(
        `${f.status === 'ok' ? 'ok     ' : f.status === 'changed' ? 'CHANGED' : 'MISSING'}  ${f.path}\n`,
      );
    const signature = {
      valid: `signature: valid (${manifest}.sig, key ${flags.publicKey})`,
      invalid: `signature: INVALID: ${manifest}.sig was not made by the key in ${flags.publicKey} over this manifest`,
      missing: `signature: MISSING: no ${manifest}.sig to check against ${flags.publicKey}`,
      'not checked': 'signature: not checked (pass --public-key <pem file> to check it)',
    }[result.signature];
    process.stdout.write(`${signature}\n`);
    const bad = result.files.filter((f) => f.status !== 'ok').map((f) => `${f.path} ${f.status}`);
    if (!result.ok)
      process.stderr.write(
        `pgdrill: verify failed: ${[...bad, ...(result.signature === 'valid' || result.signature === 'not checked' ? [] : [`signature ${result.signature}`])].join('; ')}\n`,
      );
    return result.ok ? 0 : 1;
  } catch (error) {
    printError(error);
    return exitCodeFor(error);
  }
}

async function readPublicKey(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      'PUBLIC_KEY_NOT_FOUND',
      `cannot read the public key ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      { hint: 'pass the PEM file of the Ed25519 public key matching PGDRILL_SIGNING_KEY' },
    );
  }
}
