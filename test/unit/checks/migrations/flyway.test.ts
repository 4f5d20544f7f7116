import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compareFlywayKeys,
  computeFlywayChecksum,
  flywayTool,
  normalizeFlywayVersion,
} from '../../../../src/checks/migrations/flyway.js';
import { fakeDb } from '../fake-db.js';

const checksum = (text: string) => computeFlywayChecksum(Buffer.from(text, 'utf8'));

describe('computeFlywayChecksum', () => {
  // Vector from Flyway's own documentation, "Tutorial - Dry Runs": the tutorial's V3__Couple.sql and the row
  // Flyway's dry run printed for it, `INSERT INTO "PUBLIC"."flyway_schema_history" (…) VALUES (2, '3', 'Couple',
  // 'SQL', 'V3__Couple.sql', -722651034, 'SA', 0, 1)`. Source: github.com/flyway/flyway,
  // `documentation/Reference/Tutorials/Tutorial - Dry Runs.md` (commit fd73a9e9face50c10689c9a476ce0b2f1b4c9dc5;
  // earlier `documentation/Flyway CLI and API/tutorials/dryruns.md`, commit c015f2dde4dc379f97b8796e31a37c119d6b0f7c).
  // Lines 3 and 4 end with a space in the tutorial, and that space is part of the checksum.
  const couple =
    'create table COUPLE (\n    ID int not null,\n    PERSON1 int not null references PERSON(ID), \n    PERSON2 int not null references PERSON(ID) \n);\n';

  it('gives the checksum Flyway recorded for the tutorial migration V3__Couple.sql', () => {
    expect(checksum(couple)).toBe(-722651034);
  });

  // Equivalence from Flyway's unit test SqlMigrationResolverSmallTest.calculateChecksum (github.com/flyway/flyway,
  // flyway-core/src/test/java/org/flywaydb/core/internal/resolver/sql/SqlMigrationResolverSmallTest.java, commit
  // 3387a942a5eab7eb344df7d92b19524ff99c9b29): "abc\ndef efg\nxyz" and "abc\r\ndef efg\nxyz\r\n" have one checksum.
  it('ignores line terminators, as Flyway’s own test asserts', () => {
    expect(checksum('abc\ndef efg\nxyz')).toBe(checksum('abc\r\ndef efg\nxyz\r\n'));
    expect(checksum(couple.replaceAll('\n', '\r\n'))).toBe(-722651034);
    expect(checksum(couple.replaceAll('\n', '\r'))).toBe(-722651034);
  });

  // Not vectors from Flyway: properties of its ChecksumCalculator source (BomFilter on the first line only;
  // CRC-32 of the lines' UTF-8 bytes, cast to int).
  it('drops a byte-order mark on the first line only', () => {
    expect(checksum(`\uFEFF${couple}`)).toBe(-722651034);
    expect(checksum(`a\n\uFEFFb`)).not.toBe(checksum('a\nb'));
  });

  it('counts everything but line terminators: spaces, case, blank lines inside', () => {
    expect(checksum(couple.replace('(ID), ', '(ID),'))).not.toBe(-722651034);
    expect(checksum('a\n\nb')).toBe(checksum('ab'));
    expect(checksum('select 1;')).not.toBe(checksum('SELECT 1;'));
  });

  it('is the plain CRC-32 of the concatenated lines, as a signed 32-bit integer', () => {
    expect(checksum('')).toBe(0);
    // 0xCBF43926 is CRC-32's standard check value for "123456789"; as a Java int it is negative.
    expect(checksum('12345\r\n6789')).toBe(0xcbf43926 | 0);
    expect(checksum('héllo')).toBe(checksum('hé\nllo'));
  });
});

describe('Flyway versions', () => {
  it.each([
    ['1_1', '1.1'],
    ['1.1', '1.1'],
    ['01.010', '1.10'],
    ['2.0.0', '2'],
    ['0', '0'],
  ])('normalises %s to %s', (version, normalized) => {
    expect(normalizeFlywayVersion(version)).toBe(normalized);
  });

  it('orders versions numerically and repeatable migrations last', () => {
    const keys = ['R:b view', '10', '2', '1.10', '1.9', 'R:a view', '1'];
    expect(keys.sort(compareFlywayKeys)).toEqual(['1', '1.9', '1.10', '2', '10', 'R:a view', 'R:b view']);
    expect(compareFlywayKeys('1.0', '1')).toBe(0);
  });
});

describe('Flyway repository and history', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgdrill-flyway-'));
    await mkdir(join(dir, 'nested'));
    await writeFile(join(dir, 'V2__Second_step.sql'), 'create table t (id int);\n');
    await writeFile(join(dir, 'nested', 'V1_1__First.sql'), 'select 1;\n');
    await writeFile(join(dir, 'R__Views.sql'), 'select 2;\n');
    await writeFile(join(dir, 'U2__Undo.sql'), 'select 3;\n');
    await writeFile(join(dir, 'notes.sql'), '-- not a migration\n');
    await writeFile(join(dir, 'README.md'), 'hello\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lists versioned migrations in version order (also below the location), then repeatable ones', async () => {
    const repo = await flywayTool.readRepository(dir);
    expect(repo.migrations.map(({ key, name, description }) => ({ key, name, description }))).toEqual([
      { key: '1.1', name: 'nested/V1_1__First.sql', description: 'First' },
      { key: '2', name: 'V2__Second_step.sql', description: 'Second step' },
      { key: 'R:Views', name: 'R__Views.sql', description: 'Views' },
    ]);
    expect(repo.migrations[0]!.checksums).toEqual([String(checksum('select 1;\n'))]);
    expect(repo.migrations[2]!.repeatable).toBe(true);
    expect(repo.notes).toEqual(['skipped, not V<version>__ or R__ migrations: U2__Undo.sql, notes.sql']);
  });

  it('reads baselines, deletions and non-SQL rows from the history as Flyway does', async () => {
    const row = (
      rank: number,
      version: string | null,
      description: string,
      type: string,
      checksum: number | null,
      success = true,
    ) => ({
      installed_rank: rank,
      version,
      description,
      type,
      script: type !== 'SQL' ? description : version ? `V${version}__x.sql` : 'R__x.sql',
      checksum,
      success,
    });
    const db = fakeDb([
      [
        /from "public"."flyway_schema_history" order by installed_rank/,
        [
          row(1, '1', '<< Flyway Baseline >>', 'BASELINE', null),
          row(2, '2', 'Two', 'SQL', 12),
          row(3, '3', 'Three', 'JDBC', null),
          row(4, '2', 'Two', 'DELETE', null),
          row(5, '4', 'Four', 'SQL', -5, false),
          row(6, null, 'Views', 'SQL', 7),
        ],
      ],
    ]);
    const history = await flywayTool.readHistory(db, { schema: 'public', name: 'flyway_schema_history' });
    expect(history.baseline).toBe('1');
    expect(history.applied).toEqual([
      { key: '4', name: 'V4__x.sql', checksum: '-5', description: 'Four', success: false, rank: 5 },
      {
        key: 'R:Views',
        name: 'R__x.sql',
        checksum: '7',
        description: 'Views',
        success: true,
        rank: 6,
        repeatable: true,
      },
    ]);
    expect(history.notes).toEqual(['not SQL migrations, not compared: Three (JDBC)']);
  });
});
