import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptedPrismaChecksums,
  computePrismaChecksum,
  prismaTool,
} from '../../../../src/checks/migrations/prisma.js';
import { fakeDb } from '../fake-db.js';

/** Prisma's script_matches_checksum, in terms of the checksums we accept. */
const matches = (script: string, checksum: string) => acceptedPrismaChecksums(script).includes(checksum);

// Vectors from prisma-engines' own tests of its checksum module (github.com/prisma/prisma-engines,
// schema-engine/connectors/schema-connector/src/checksum.rs, `mod tests`, commit 48784dc4afd777a4e5f95b2191e749dd32c40733).
describe('Prisma checksums', () => {
  it('format_checksum_does_not_strip_zeros: render_checksum("hello")', () => {
    expect(computePrismaChecksum('hello')).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect(computePrismaChecksum('abcd')).toHaveLength(64);
  });

  it('script_matches_checksum_is_line_ending_agnostic', () => {
    const groups = [
      ['ab\ncd\nef\ngh\rab', 'ab\r\ncd\r\nef\r\ngh\rab'],
      ['ab\ncd\nef\ngh\rab\n', 'ab\r\ncd\r\nef\r\ngh\rab\r\n'],
    ];
    for (const scripts of groups) {
      for (const script of scripts)
        for (const other of scripts) expect(matches(script, computePrismaChecksum(other))).toBe(true);
    }
  });

  it('script_matches_checksum_negative', () => {
    expect(matches('abc', computePrismaChecksum('abcd'))).toBe(false);
    expect(matches('abc\n', computePrismaChecksum('abc'))).toBe(false);
  });

  // checksum.rs format_checksum_old (prisma-engines#1887): older engines wrote each byte without zero padding.
  it('accepts the unpadded hex older engines recorded', () => {
    const padded = computePrismaChecksum('hello');
    const unpadded = (padded.match(/../g) ?? []).map((byte) => byte.replace(/^0/, '')).join('');
    expect(unpadded.length).toBeLessThan(64);
    expect(matches('hello', unpadded)).toBe(true);
  });
});

describe('Prisma repository and history', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgdrill-prisma-'));
    await mkdir(join(dir, '20240102000000_second'));
    await mkdir(join(dir, '20240101000000_first'));
    await mkdir(join(dir, '20240103000000_empty'));
    await writeFile(join(dir, '20240101000000_first', 'migration.sql'), 'select 1;\n');
    await writeFile(join(dir, '20240102000000_second', 'migration.sql'), 'select 2;\n');
    await writeFile(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lists migration directories by name; one without migration.sql has its file missing', async () => {
    const repo = await prismaTool.readRepository(dir);
    expect(repo.migrations.map(({ key, fileMissing }) => ({ key, fileMissing }))).toEqual([
      { key: '20240101000000_first', fileMissing: undefined },
      { key: '20240102000000_second', fileMissing: undefined },
      { key: '20240103000000_empty', fileMissing: true },
    ]);
    expect(repo.migrations[0]!.checksums[0]).toBe(computePrismaChecksum('select 1;\n'));
  });

  it('ignores rolled-back rows, and a row that never finished is failed with the first line of its logs', async () => {
    const at = new Date('2024-01-01T00:00:00Z');
    const row = (name: string, finished: Date | null, rolledBack: Date | null, logs: string | null = null) => ({
      migration_name: name,
      checksum: 'c',
      finished_at: finished,
      rolled_back_at: rolledBack,
      logs,
    });
    const db = fakeDb([
      [
        /from "public"."_prisma_migrations" order by started_at/,
        [
          row('a', null, at, 'boom'),
          row('a', at, null),
          row('b', null, null, 'Database error code: 42P07\nrelation "orders" already exists'),
        ],
      ],
    ]);
    const history = await prismaTool.readHistory(db, { schema: 'public', name: '_prisma_migrations' });
    expect(history.applied).toEqual([
      { key: 'a', name: 'a', checksum: 'c', success: true, rank: 1 },
      { key: 'b', name: 'b', checksum: 'c', success: false, failure: 'Database error code: 42P07', rank: 2 },
    ]);
    expect(history.notes).toEqual(['rolled back (ignored, as Prisma does): a']);
  });
});
