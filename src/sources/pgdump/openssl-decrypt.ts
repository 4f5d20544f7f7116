import { createDecipheriv, createHash, pbkdf2Sync, type Decipher } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { SourceError } from '../../errors.js';

export interface OpensslDecryptOptions {
  cipher: 'aes-256-cbc' | 'aes-192-cbc' | 'aes-128-cbc';
  passphrase: string;
  pbkdf2: boolean;
  iterations: number;
  digest: 'sha256' | 'sha1' | 'md5';
  /** Names the object in error messages. */
  what: string;
  /** Whether the plaintext began as a compressed stream or an archive does (the key was right). */
  plaintextRecognised?: () => boolean;
}

const KEY_LENGTH = { 'aes-256-cbc': 32, 'aes-192-cbc': 24, 'aes-128-cbc': 16 } as const;
const MAGIC = Buffer.from('Salted__');

/**
 * Decrypts the output of `openssl enc -<cipher> [-pbkdf2] -salt` in a stream, without a temporary
 * plaintext file. The format is `Salted__`, 8 bytes of salt, then the CBC ciphertext.
 */
export function createOpensslDecrypt(options: OpensslDecryptOptions): Transform {
  let header = Buffer.alloc(0);
  let decipher: Decipher | undefined;
  let cipherBytes = 0;
  const fail = (message: string, hint: string, code = 'DECRYPT_FAILED') => new SourceError(code, message, { hint });
  const cut = 'the object was cut when it was written or uploaded; take a new backup and check the job that writes it';
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      if (decipher) {
        cipherBytes += chunk.length;
        return done(null, decipher.update(chunk));
      }
      header = Buffer.concat([header, chunk]);
      if (header.length < 16) return done();
      if (!header.subarray(0, 8).equals(MAGIC))
        return done(
          fail(
            `${options.what} is not an openssl-encrypted file (no "Salted__" header)`,
            'remove `decrypt` from the suite if the archive is not encrypted, or check that the right object is picked',
          ),
        );
      const salt = header.subarray(8, 16);
      const { key, iv } = deriveKeyAndIv(options, salt);
      decipher = createDecipheriv(options.cipher, key, iv);
      cipherBytes = header.length - 16;
      done(null, decipher.update(header.subarray(16)));
    },
    flush(done: TransformCallback) {
      if (!decipher)
        return done(
          fail(
            `${options.what} ended before its encryption header`,
            'the object is truncated or empty',
            'DUMP_TRUNCATED',
          ),
        );
      // CBC ciphertext is whole 16-byte blocks: anything else is a cut object, whatever the key.
      if (cipherBytes % 16 !== 0)
        return done(
          fail(
            `${options.what} ends mid-block: ${cipherBytes} bytes of ciphertext is not a whole number of 16-byte blocks, so the object is truncated`,
            cut,
            'DUMP_TRUNCATED',
          ),
        );
      try {
        done(null, decipher.final());
      } catch {
        if (options.plaintextRecognised?.())
          return done(
            fail(
              `${options.what} decrypted to a valid start but its last block is not valid padding: the object is truncated or damaged at its end`,
              cut,
              'DUMP_TRUNCATED',
            ),
          );
        done(
          fail(
            `could not decrypt ${options.what} with ${options.cipher}${options.pbkdf2 ? ` -pbkdf2 -iter ${options.iterations}` : ''} -md ${options.digest}: bad decrypt`,
            'the key in the environment variable is wrong, or the archive was encrypted with other openssl options (cipher, -pbkdf2, -iter, -md)',
          ),
        );
      }
    },
  });
}

function deriveKeyAndIv(options: OpensslDecryptOptions, salt: Buffer): { key: Buffer; iv: Buffer } {
  const keyLength = KEY_LENGTH[options.cipher];
  const material = options.pbkdf2
    ? pbkdf2Sync(options.passphrase, salt, options.iterations, keyLength + 16, options.digest)
    : bytesToKey(options.passphrase, salt, options.digest, keyLength + 16);
  return { key: material.subarray(0, keyLength), iv: material.subarray(keyLength, keyLength + 16) };
}

/** OpenSSL's legacy EVP_BytesToKey with one iteration, used by `openssl enc` without -pbkdf2. */
function bytesToKey(passphrase: string, salt: Buffer, digest: string, length: number): Buffer {
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  while (Buffer.concat(blocks).length < length) {
    previous = createHash(digest)
      .update(Buffer.concat([previous, Buffer.from(passphrase), salt]))
      .digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}
