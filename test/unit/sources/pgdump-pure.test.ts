import { createCipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { readHead } from '../../../src/sources/pgdump/archive-stream.js';
import { createOpensslDecrypt } from '../../../src/sources/pgdump/openssl-decrypt.js';
import { createPlainRolesTransform } from '../../../src/sources/pgdump/plain-sql-roles.js';
import { readSchemaFacts } from '../../../src/sources/pgdump/schema-facts.js';
import { sniffCompression, sniffFormat } from '../../../src/sources/pgdump/sniff-format.js';

const collect = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
};

/** The `openssl enc -aes-256-cbc -pbkdf2 -salt` format: "Salted__", salt, ciphertext. */
function opensslEncrypt(plain: Buffer, pass: string): Buffer {
  const salt = randomBytes(8);
  const material = pbkdf2Sync(pass, salt, 10000, 48, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', material.subarray(0, 32), material.subarray(32));
  return Buffer.concat([Buffer.from('Salted__'), salt, cipher.update(plain), cipher.final()]);
}

const decryptOptions = (passphrase: string) => ({
  cipher: 'aes-256-cbc' as const,
  passphrase,
  pbkdf2: true,
  iterations: 10000,
  digest: 'sha256' as const,
  what: 'x.enc',
});

describe('openssl decryption in a stream', () => {
  const plain = Buffer.from('PGDMP'.padEnd(100_000, 'data '));

  test('round-trips, whatever the chunking', async () => {
    const encrypted = opensslEncrypt(plain, 'pw');
    const chunks = [encrypted.subarray(0, 3), encrypted.subarray(3, 17), encrypted.subarray(17)];
    expect(await collect(Readable.from(chunks).pipe(createOpensslDecrypt(decryptOptions('pw'))))).toEqual(plain);
  });

  test('a wrong key ends in DECRYPT_FAILED (bad decrypt), never silently', async () => {
    const stream = Readable.from([opensslEncrypt(plain, 'pw')]).pipe(createOpensslDecrypt(decryptOptions('wrong')));
    await expect(collect(stream)).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
  });

  test('a file that is not encrypted is named as such', async () => {
    const stream = Readable.from([plain]).pipe(createOpensslDecrypt(decryptOptions('pw')));
    await expect(collect(stream)).rejects.toThrow(/not an openssl-encrypted file/);
  });
});

describe('sniffing', () => {
  test('compression and format from the first bytes', () => {
    expect(sniffCompression(Buffer.from([0x1f, 0x8b, 8, 0]))).toBe('gzip');
    expect(sniffCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe('zstd');
    expect(sniffCompression(Buffer.from('PGDMP'))).toBe('none');
    expect(sniffFormat(Buffer.from('PGDMP\x01\x0e'))).toBe('custom');
    expect(sniffFormat(Buffer.from('--\n-- PostgreSQL database dump\n'))).toBe('plain');
    const tar = Buffer.alloc(512);
    tar.write('ustar', 257, 'latin1');
    expect(sniffFormat(tar)).toBe('tar');
    expect(sniffFormat(Buffer.from([0xde, 0xad, 0xbe, 0xef]))).toBeUndefined();
  });

  test('readHead gives the bytes back to the next reader, also for objects smaller than asked', async () => {
    const small = Readable.from([Buffer.from('PG'), Buffer.from('DMP')]);
    const head = await readHead(small, 262);
    expect(head.bytes.toString()).toBe('PGDMP');
    expect((await collect(head.stream)).toString()).toBe('PGDMP');
  });
});

describe('schema facts from pg_restore --schema-only output', () => {
  test('versions, extensions, roles (owners and grantees) and tables', () => {
    const facts = readSchemaFacts(`-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 16.4
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;
CREATE TABLE shop.orders (
ALTER TABLE shop.orders OWNER TO app_owner;
CREATE TABLE public."Mixed" (
ALTER TABLE public."Mixed" OWNER TO "Weird Role";
GRANT SELECT ON TABLE shop.orders TO reporting, PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE admin IN SCHEMA shop GRANT SELECT ON TABLES TO reporting;
`);
    expect(facts).toEqual({
      sourceVersion: '15.18 (Debian 15.18-0+deb12u1)',
      pgDumpVersion: '16.4',
      sourceMajor: 15,
      extensions: ['pgcrypto'],
      roles: ['Weird Role', 'admin', 'app_owner', 'reporting'],
      tables: ['public.Mixed', 'shop.orders'],
    });
  });
});

describe('roles in a plain SQL stream', () => {
  const sql = `CREATE TABLE t (a int);
ALTER TABLE public.t OWNER TO app_owner;
COPY public.t (a) FROM stdin;
ALTER TABLE public.t OWNER TO not_a_statement;
\\.
GRANT SELECT ON TABLE public.t TO reporting;
`;

  test('create: an idempotent CREATE ROLE before the first statement naming each role; COPY data untouched', async () => {
    const out = (await collect(Readable.from([sql]).pipe(createPlainRolesTransform('create')))).toString();
    expect(out.match(/CREATE ROLE "app_owner" NOLOGIN/g)).toHaveLength(1);
    expect(out).toContain('CREATE ROLE "reporting" NOLOGIN');
    expect(out).not.toContain('CREATE ROLE "not_a_statement"');
    expect(out).toContain('ALTER TABLE public.t OWNER TO not_a_statement;\n\\.');
  });

  test('skip: ownership and privilege statements are dropped', async () => {
    const out = (await collect(Readable.from([sql]).pipe(createPlainRolesTransform('skip')))).toString();
    expect(out).not.toMatch(/^ALTER TABLE public\.t OWNER TO app_owner;$/m);
    expect(out).not.toMatch(/^GRANT /m);
    expect(out).toContain('ALTER TABLE public.t OWNER TO not_a_statement;');
  });
});
