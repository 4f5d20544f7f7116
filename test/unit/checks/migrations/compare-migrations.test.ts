import { describe, expect, it } from 'vitest';
import { compareMigrations, type CompareOptions } from '../../../../src/checks/migrations/compare-migrations.js';
import { compareNumericKeys } from '../../../../src/checks/migrations/repository-files.js';
import type { AppliedMigration, MigrationHistory, RepoMigration } from '../../../../src/checks/migrations/tool.js';

const file = (key: string, checksum?: string, extra: Partial<RepoMigration> = {}): RepoMigration => ({
  key,
  name: `${key}.sql`,
  checksums: checksum ? [checksum] : [],
  ...extra,
});
const row = (
  key: string,
  rank: number,
  checksum: string | null = null,
  extra: Partial<AppliedMigration> = {},
): AppliedMigration => ({
  key,
  name: `row ${key}`,
  checksum,
  success: true,
  rank,
  ...extra,
});
const history = (applied: AppliedMigration[], extra: Partial<MigrationHistory> = {}): MigrationHistory => ({
  applied,
  notes: [],
  ...extra,
});
const unordered: CompareOptions = { ordered: false, compareKeys: compareNumericKeys };
const ordered: CompareOptions = { ordered: true, compareKeys: compareNumericKeys };
const compare = (files: RepoMigration[], rows: MigrationHistory, options = unordered) =>
  compareMigrations({ migrations: files, notes: [] }, rows, options);

describe('compareMigrations', () => {
  it('matches every applied migration with its file', () => {
    const result = compare([file('1', 'a'), file('2', 'b')], history([row('1', 1, 'a'), row('2', 2, 'b')]));
    expect(result).toMatchObject({
      matched: 2,
      modified: [],
      missing: [],
      extra: [],
      failed: [],
      outOfOrder: [],
      pending: [],
    });
  });

  it('reports a checksum that differs as modified, with both checksums', () => {
    const result = compare([file('1', 'a'), file('2', 'new')], history([row('1', 1, 'a'), row('2', 2, 'old')]));
    expect(result.modified).toEqual([{ name: '2.sql', detail: 'checksum old in the history, new for the file' }]);
    expect(result.matched).toBe(1);
  });

  it('accepts any checksum the tool accepts, and skips rows without one', () => {
    const alternatives = file('1', 'a', { checksums: ['a', 'a-crlf'] });
    expect(compare([alternatives, file('2', 'b')], history([row('1', 1, 'a-crlf'), row('2', 2, null)])).matched).toBe(
      2,
    );
  });

  it('tells a deleted file (missing) from a database ahead of the repository (extra)', () => {
    const result = compare([file('1'), file('3')], history([row('1', 1), row('2', 2), row('3', 3), row('4', 4)]));
    expect(result.missing).toEqual([{ name: 'row 2', detail: 'applied, but no such file in the repository' }]);
    expect(result.extra).toEqual([{ name: 'row 4', detail: 'applied, but the repository ends at 3.sql' }]);
    expect(compare([], history([row('1', 1)])).extra).toEqual([
      { name: 'row 1', detail: 'applied, but the repository has no migrations' },
    ]);
  });

  it('reports a file the repository lists but lacks as missing', () => {
    const result = compare([file('1', undefined, { fileMissing: true })], history([row('1', 1, 'x')]));
    expect(result.missing).toEqual([{ name: '1.sql', detail: 'applied, but its file is absent' }]);
  });

  it('reports failed rows with the reason, and does not call them pending', () => {
    const result = compare([file('1')], history([row('1', 1, null, { success: false, failure: 'relation exists' })]));
    expect(result.failed).toEqual([{ name: '1.sql', detail: 'recorded as failed: relation exists' }]);
    expect(result.pending).toEqual([]);
  });

  it('reports pending files, and a changed repeatable migration as pending rather than modified', () => {
    const repeatable = file('R:views', 'new', { repeatable: true });
    const result = compare(
      [file('1'), file('2'), repeatable],
      history([row('1', 1), row('R:views', 2, 'old', { repeatable: true })]),
    );
    expect(result.pending.map((f) => f.name)).toEqual(['R:views.sql', '2.sql']);
    expect(result.pending[0]!.detail).toBe(
      'changed since applied (checksum old in the history, new for the file): runs again on the next migrate',
    );
    expect(result.modified).toEqual([]);
  });

  it('does not count files at or below a baseline as pending', () => {
    const result = compare([file('1'), file('2'), file('3')], history([row('3', 2)], { baseline: '2' }));
    expect(result.pending).toEqual([]);
    expect(result.notes).toEqual([
      '1.sql: at or below the baseline, not applied by design',
      '2.sql: at or below the baseline, not applied by design',
    ]);
  });

  it('for tools that care about order: a migration applied late, or skipped below applied ones, is out of order', () => {
    const rows = history([row('1', 1), row('3', 2), row('2', 3)]);
    const files = [file('1'), file('2'), file('3'), file('2.5'), file('4')];
    const result = compare(files, rows, { ordered: true, compareKeys: (a, b) => Number(a) - Number(b) });
    expect(result.outOfOrder).toEqual([
      { name: '2.5.sql', detail: 'not applied, but the newer 3.sql is' },
      { name: '2.sql', detail: 'applied after the newer 3.sql' },
    ]);
    expect(result.pending.map((f) => f.name)).toEqual(['4.sql']);
    expect(compare(files, rows, unordered).outOfOrder).toEqual([]);
  });

  it('keeps the notes of repository and history', () => {
    const result = compareMigrations(
      { migrations: [], notes: ['repo note'] },
      history([], { notes: ['history note'] }),
      ordered,
    );
    expect(result.notes).toEqual(['repo note', 'history note']);
  });
});
