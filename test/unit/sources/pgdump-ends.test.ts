import { createCipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, test } from 'vitest';
import { CommandError, type DrillError } from '../../../src/errors.js';
import { createDumpEndWatch } from '../../../src/sources/pgdump/dump-end.js';
import { createOpensslDecrypt } from '../../../src/sources/pgdump/openssl-decrypt.js';
import { isDiskFull } from '../../../src/util/disk-full.js';

const TRAILER = '--\n-- PostgreSQL database dump complete\n--\n\n';

function endOf(bytes: Buffer, format: 'plain' | 'tar'): string | undefined {
  const watch = createDumpEndWatch();
  watch.transform.end(bytes);
  watch.transform.resume();
  try {
    watch.require(format, { what: 'x', storedBytes: bytes.length });
    return undefined;
  } catch (error) {
    return `${(error as DrillError).code}: ${(error as Error).message}`;
  }
}

/** A tar entry: a 512-byte header (name, size in octal or base-256) and its data padded to 512 bytes. */
function tarEntry(name: string, size: number, base256 = false): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'latin1');
  if (base256) {
    header[124] = 0x80;
    header.writeUIntBE(size, 136 - 6, 6);
  } else header.write(size.toString(8).padStart(11, '0'), 124, 'latin1');
  return Buffer.concat([header, Buffer.alloc(Math.ceil(size / 512) * 512, 7)]);
}

describe('the end of a plain dump', () => {
  test("pg_dump's closing line passes, with or without the \\unrestrict line of newer minors", () => {
    expect(endOf(Buffer.from(`SELECT 1;\n${TRAILER}`), 'plain')).toBeUndefined();
    expect(endOf(Buffer.from(`SELECT 1;\n${TRAILER}\\unrestrict AbC123\n\n`), 'plain')).toBeUndefined();
    expect(
      endOf(Buffer.from(`SELECT 1;\n--\n-- PostgreSQL database cluster dump complete\n--\n\n`), 'plain'),
    ).toBeUndefined();
  });

  test('SQL cut at a line boundary is DUMP_TRUNCATED, with the sizes', () => {
    expect(endOf(Buffer.from('CREATE TABLE t (a int);\nCOPY t FROM stdin;\n1\n'), 'plain')).toMatch(
      /^DUMP_TRUNCATED: x was read whole \(45 bytes\) but the dump stops before its end: its SQL stops after 45 bytes/,
    );
  });

  test('the closing line followed by more SQL is not an end', () => {
    expect(endOf(Buffer.from(`${TRAILER}SELECT 2;\n`), 'plain')).toMatch(/^DUMP_TRUNCATED/);
  });
});

describe('the end of a tar', () => {
  const whole = Buffer.concat([tarEntry('toc.dat', 700), tarEntry('3343.dat', 1025), Buffer.alloc(1024)]);

  test('two zero blocks where a header is due end the archive, however the bytes are chunked', () => {
    expect(endOf(whole, 'tar')).toBeUndefined();
    const watch = createDumpEndWatch();
    watch.transform.resume();
    for (let i = 0; i < whole.length; i += 100) watch.transform.write(whole.subarray(i, i + 100));
    expect(() => watch.require('tar', { what: 'x', storedBytes: whole.length })).not.toThrow();
  });

  test('without its end blocks, or cut inside an entry, it is DUMP_TRUNCATED', () => {
    expect(endOf(whole.subarray(0, whole.length - 1024), 'tar')).toMatch(/^DUMP_TRUNCATED: .*two zero blocks/);
    expect(endOf(whole.subarray(0, 1200), 'tar')).toMatch(/^DUMP_TRUNCATED/);
  });

  test("zero bytes inside an entry's data are not an end", () => {
    const zeros = Buffer.concat([tarEntry('a', 0), Buffer.alloc(0)]);
    const header = tarEntry('data', 2048).subarray(0, 512);
    const cut = Buffer.concat([zeros, header, Buffer.alloc(2048)]);
    expect(endOf(cut, 'tar')).toMatch(/^DUMP_TRUNCATED/);
  });

  test('sizes in base-256 are followed', () => {
    expect(endOf(Buffer.concat([tarEntry('big', 3000, true), Buffer.alloc(1024)]), 'tar')).toBeUndefined();
  });
});

describe('a decrypted stream that ends short', () => {
  const passphrase = 'the-right-key';
  const salt = randomBytes(8);
  const material = pbkdf2Sync(passphrase, salt, 10000, 48, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', material.subarray(0, 32), material.subarray(32, 48));
  const plaintext = Buffer.concat([Buffer.from([0x1f, 0x8b]), randomBytes(5000)]);
  const encrypted = Buffer.concat([Buffer.from('Salted__'), salt, cipher.update(plaintext), cipher.final()]);

  async function decrypt(bytes: Buffer, key = passphrase, recognised = true): Promise<string> {
    const transform = createOpensslDecrypt({
      cipher: 'aes-256-cbc',
      passphrase: key,
      pbkdf2: true,
      iterations: 10000,
      digest: 'sha256',
      what: 'obj',
      plaintextRecognised: () => recognised,
    });
    const out: Buffer[] = [];
    try {
      await pipeline(Readable.from([bytes]), transform, async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) out.push(chunk);
      });
      return `ok ${Buffer.concat(out).equals(plaintext)}`;
    } catch (error) {
      return `${(error as DrillError).code}: ${(error as Error).message}`;
    }
  }

  test('the whole object decrypts to the plaintext', async () => {
    expect(await decrypt(encrypted)).toBe('ok true');
  });

  test('cut mid-block: truncated whatever the key', async () => {
    expect(await decrypt(encrypted.subarray(0, encrypted.length - 7))).toMatch(/^DUMP_TRUNCATED: obj ends mid-block/);
    expect(await decrypt(encrypted.subarray(0, encrypted.length - 7), 'wrong', false)).toMatch(
      /^DUMP_TRUNCATED: obj ends mid-block/,
    );
  });

  test('cut at a block boundary after a valid start: truncated, not the key', async () => {
    expect(await decrypt(encrypted.subarray(0, encrypted.length - 32))).toMatch(
      /^DUMP_TRUNCATED: obj decrypted to a valid start/,
    );
  });

  test('a wrong key, whose plaintext is not recognised: DECRYPT_FAILED', async () => {
    expect(await decrypt(encrypted, 'wrong', false)).toMatch(/^DECRYPT_FAILED: could not decrypt obj/);
  });
});

describe('disk full', () => {
  test('ENOSPC, and a tool\'s "No space left on device" line, are disk full; other failures are not', () => {
    expect(isDiskFull(Object.assign(new Error('write failed'), { code: 'ENOSPC' }))).toBe(true);
    const tool = new CommandError('RESTORE_FAILED', 'pg_restore failed', {
      command: 'pg_restore',
      stderrTail: [
        'pg_restore: error: could not execute query: ERROR:  could not extend file "base/16384/16390": No space left on device',
      ],
    });
    expect(isDiskFull(new Error('restore failed', { cause: tool }))).toBe(true);
    expect(
      isDiskFull(
        new CommandError('RESTORE_FAILED', 'pg_restore failed', {
          command: 'pg_restore',
          stderrTail: ['could not read from input file: end of file'],
        }),
      ),
    ).toBe(false);
  });
});
