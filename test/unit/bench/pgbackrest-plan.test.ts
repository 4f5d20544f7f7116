import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  rawRestoreArgs,
  renderBenchPgbackrestConf,
  renderPgbackrestSuite,
} from '../../../src/bench/pgbackrest-plan.js';
import { builtinChecks } from '../../../src/checks/index.js';
import { loadSuite } from '../../../src/suite/load-suite.js';

describe('pgBackRest bench plan', () => {
  it('configures a local repository with private lock, log and spool paths and the source for archive-push', () => {
    const conf = renderBenchPgbackrestConf({
      repoPath: '/b/pgbackrest-x/repo',
      tools: { lock: '/b/t/lock', log: '/b/t/log', spool: '/b/t/spool' },
      stanza: 'main',
      source: { dataDir: '/b/src/data', port: 54321, user: 'pgdrill' },
    });
    expect(conf.split('\n')).toEqual([
      '[global]',
      'repo1-path=/b/pgbackrest-x/repo',
      'repo1-retention-full=2',
      'lock-path=/b/t/lock',
      'log-path=/b/t/log',
      'spool-path=/b/t/spool',
      'log-level-console=warn',
      'start-fast=y',
      '',
      '[main]',
      'pg1-path=/b/src/data',
      'pg1-port=54321',
      'pg1-user=pgdrill',
      '',
    ]);
  });

  it('restores by hand into the given data directory, to the restore point, promoting, without archiving', () => {
    expect(
      rawRestoreArgs({ conf: '/c/pgbackrest.conf', stanza: 'main', dataDir: '/r/data', restorePoint: 'end' }),
    ).toEqual([
      '--config=/c/pgbackrest.conf',
      '--stanza=main',
      '--pg1-path=/r/data',
      '--type=name',
      '--target=end',
      '--target-action=promote',
      '--archive-mode=off',
      'restore',
    ]);
  });

  it('writes a valid suite: a pgbackrest drill of the same repository to the same restore point, exact rows', async () => {
    const yaml = renderPgbackrestSuite({
      root: '/tmp/pgdrill-bench-x/pgbackrest-y',
      repoPath: '/repo',
      stanza: 'main',
      restorePoint: 'pgdrill_bench_end',
      database: 'shop',
      rows: 200000,
    });
    const dir = await mkdtemp(join(tmpdir(), 'pgdrill-bench-plan-'));
    try {
      await writeFile(join(dir, 'suite.yaml'), yaml);
      const suite = await loadSuite(join(dir, 'suite.yaml'), { checks: builtinChecks, env: {} });
      expect(suite.drills[0]).toMatchObject({
        source: { kind: 'pgbackrest', store: 'disk', options: { path: '/repo', stanza: 'main', database: 'shop' } },
        target: { name: 'pgdrill_bench_end' },
        checks: [{ type: 'rows', options: { table: 'public.wal_events', exact: 200000 } }],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
