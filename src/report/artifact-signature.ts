import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { ConfigError } from '../errors.js';

/**
 * Ed25519 detached signatures of the artifact manifest. The key's text never reaches a message: a key
 * that does not parse is reported by where it came from only.
 */
export function parseSigningKey(pem: string, from = 'PGDRILL_SIGNING_KEY'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new ConfigError('SIGNING_KEY_INVALID', `${from} is set but is not a PEM private key`, {
      hint: signingKeyHint,
    });
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new ConfigError(
      'SIGNING_KEY_INVALID',
      `${from} holds a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, not an Ed25519 key`,
      { hint: signingKeyHint },
    );
  return key;
}

export function parsePublicKey(pem: string, from: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new ConfigError('PUBLIC_KEY_INVALID', `${from} is not a PEM public key`, {
      hint: 'export it with: openssl pkey -in signing.pem -pubout -out signing.pub.pem',
    });
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new ConfigError('PUBLIC_KEY_INVALID', `${from} holds a ${key.asymmetricKeyType} key, not an Ed25519 key`, {
      hint: 'pgdrill signs with Ed25519 keys only',
    });
  return key;
}

/** The signature file's text: base64 of the 64-byte signature, one line. */
export function signManifest(bytes: Buffer, key: KeyObject): string {
  return `${sign(null, bytes, key).toString('base64')}\n`;
}

export function verifyManifestSignature(bytes: Buffer, signatureText: string, key: KeyObject): boolean {
  const signature = Buffer.from(signatureText.trim(), 'base64');
  if (signature.length !== 64) return false;
  return verify(null, bytes, key, signature);
}

const signingKeyHint =
  "generate one with: openssl genpkey -algorithm ed25519 -out signing.pem, and put the file's contents (PKCS#8 PEM) in PGDRILL_SIGNING_KEY";
