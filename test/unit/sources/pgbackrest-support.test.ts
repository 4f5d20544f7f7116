import { describe, expect, test } from 'vitest';
import { pgbackrestArgs } from '../../../src/sources/pgbackrest/pgbackrest-args.js';
import {
  firstPgbackrestFor,
  parsePgbackrestVersion,
  pgbackrestHandlesMajor,
} from '../../../src/sources/pgbackrest/pgbackrest-support.js';

describe('which pgBackRest restores which PostgreSQL major', () => {
  test('versions are read from `pgbackrest version`', () => {
    expect(parsePgbackrestVersion('pgBackRest 2.45')).toEqual([2, 45, 0]);
    expect(parsePgbackrestVersion('pgBackRest 2.55.1\n')).toEqual([2, 55, 1]);
    expect(parsePgbackrestVersion('command not found')).toBeUndefined();
  });

  test("Debian 12's 2.45 restores 15 but not 17 or 18 (seen: [046] invalid PostgreSQL version 170000)", () => {
    expect(pgbackrestHandlesMajor([2, 45, 0], 15)).toBe(true);
    expect(pgbackrestHandlesMajor([2, 45, 0], 17)).toBe(false);
    expect(pgbackrestHandlesMajor([2, 45, 0], 18)).toBe(false);
  });

  test("the images' 2.55.1 and 2.60.0 restore their majors; a major newer than the table is not assumed", () => {
    expect(pgbackrestHandlesMajor([2, 55, 1], 17)).toBe(true);
    expect(pgbackrestHandlesMajor([2, 60, 0], 18)).toBe(true);
    expect(pgbackrestHandlesMajor([2, 52, 0], 18)).toBe(false);
    expect(pgbackrestHandlesMajor([2, 60, 0], 19)).toBe(false);
    expect(pgbackrestHandlesMajor([2, 10, 0], 11)).toBe(true);
    expect(firstPgbackrestFor(17)).toBe('2.52');
  });

  test('in a container, pgBackRest reads a private config file instead of none', () => {
    const args = pgbackrestArgs(
      { filesystem: { root: '/backups' } },
      {
        store: 'backups',
        stanza: 'main',
        path: '/repo',
        database: 'postgres',
        set: 'latest',
        verifyTls: true,
        prefetch: 8,
      },
      { lock: '/work/lock', config: '/work/pgbackrest-x/pgbackrest.conf' },
    );
    expect(args).toContain('--config=/work/pgbackrest-x/pgbackrest.conf');
    expect(args).not.toContain('--no-config');
    expect(args).toContain('--repo1-path=/backups/repo');
  });
});
