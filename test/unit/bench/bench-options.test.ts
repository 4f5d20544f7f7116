import { describe, expect, it } from 'vitest';
import { parseBenchOptions } from '../../../src/bench/bench-options.js';

describe('parseBenchOptions', () => {
  it('defaults to 3 pairs, 1024 MB of dump and of WAL, a job per core, every comparison', () => {
    expect(parseBenchOptions([], 2)).toEqual({
      pairs: 3,
      sizeMb: 1024,
      walMb: 1024,
      jobs: 2,
      only: ['pgdump-local', 'pgdump-s3', 'wal-local', 'wal-s3', 'pgbackrest'],
    });
  });

  it('takes --pairs, --size-mb, --wal-mb, --jobs and a comma list for --only', () => {
    expect(
      parseBenchOptions(
        ['--pairs', '5', '--size-mb', '32', '--wal-mb', '64', '--jobs', '4', '--only', 'wal-local, pgdump-s3'],
        2,
      ),
    ).toEqual({
      pairs: 5,
      sizeMb: 32,
      walMb: 64,
      jobs: 4,
      only: ['wal-local', 'pgdump-s3'],
    });
  });

  it('lists every bad value at once', () => {
    expect(() => parseBenchOptions(['--pairs', '0', '--size-mb', 'big', '--only', 'wal-local,barman'], 2)).toThrow(
      '--pairs must be a positive integer, got "0"; --size-mb must be a positive integer, got "big"; --only: unknown comparison "barman" (known: pgdump-local, pgdump-s3, wal-local, wal-s3, pgbackrest)',
    );
  });
});
