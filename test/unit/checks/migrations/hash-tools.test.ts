import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confitureTool, readConfitureVersion } from '../../../../src/checks/migrations/confiture.js';
import {
  computeGenericChecksums,
  createGenericTool,
  readGenericVersion,
} from '../../../../src/checks/migrations/generic.js';
import { fakeDb } from '../fake-db.js';

describe('confiture', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgdrill-confiture-'));
    const files: [string, string][] = [
      ['002_add_email.up.sql', ''],
      ['002_add_email.down.sql', 'x'],
      ['001_init.py', 'x'],
      ['__init__.py', ''],
      ['_helpers.py', ''],
      ['20260520143015_add_bio.up.sql', 'x'],
      ['003_stray.sql', 'x'],
    ];
    for (const [file, text] of files) await writeFile(join(dir, file), text);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('takes the version up to the first underscore (discovery.py _version_from_migration_filename)', () => {
    expect(readConfitureVersion('001_create_users.py')).toBe('001');
    expect(readConfitureVersion('20260520143015_add_bio.up.sql')).toBe('20260520143015');
  });

  it('lists .py and .up.sql migrations by version, with the SHA-256 of their bytes', async () => {
    const repo = await confitureTool.readRepository(dir);
    expect(repo.migrations.map((m) => m.name)).toEqual([
      '001_init.py',
      '002_add_email.up.sql',
      '20260520143015_add_bio.up.sql',
    ]);
    // Vector from confiture's own test tests/unit/test_checksum.py test_compute_checksum_empty_file
    // (github.com/fraiseql/confiture, commit afe4dca35111bceb2e463a9725a2cbead652e98a): SHA-256 of an empty file.
    expect(repo.migrations[1]!.checksums).toEqual(['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']);
  });
});

describe('generic', () => {
  it.each([
    ['000001_create_users.up.sql', '1'],
    ['20151129054053_test_migration.sql', '20151129054053'],
    ['baseline.sql', 'baseline'],
    ['init.up.sql', 'init'],
    ['42', '42'],
  ])('reads the version of %s as %s', (name, version) => {
    expect(readGenericVersion(name)).toBe(version);
  });

  it('computes checksums of the bytes as such columns hold them', () => {
    const bytes = Buffer.from('123456789');
    // CRC-32's standard check value for "123456789" is 0xCBF43926, stored signed or unsigned.
    expect(computeGenericChecksums(bytes, 'crc32')).toEqual(['-873187034', '3421780262']);
    // FIPS 180-2 and RFC 1321 test vectors for "abc".
    expect(computeGenericChecksums(Buffer.from('abc'), 'sha256')).toEqual([
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    ]);
    expect(computeGenericChecksums(Buffer.from('abc'), 'md5')).toEqual(['900150983cd24fb0d6963f7d28e17f72']);
    expect(computeGenericChecksums(bytes, 'none')).toEqual([]);
  });

  it('reads the described columns, quoted, with checksums in lower case and the success flag', async () => {
    const db = fakeDb([
      [
        /select "Ver"::text as version, "Sum"::text as checksum, "ok" as success from "audit"."History"/,
        [
          { version: '0001', checksum: 'ABC', success: true },
          { version: '2', checksum: null, success: 'f' },
        ],
      ],
    ]);
    const tool = createGenericTool({
      table: { schema: 'audit', name: 'History' },
      versionColumn: 'Ver',
      checksumColumn: 'Sum',
      algorithm: 'md5',
      successColumn: 'ok',
    });
    const history = await tool.readHistory(db, { schema: 'audit', name: 'History' });
    expect(history.applied).toEqual([
      { key: '1', name: '0001', checksum: 'abc', success: true, rank: 0 },
      { key: '2', name: '2', checksum: null, success: false, rank: 1 },
    ]);
  });
});
