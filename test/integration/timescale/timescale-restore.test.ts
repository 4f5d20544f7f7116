import { mkdir, mkdtemp, chmod, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hypertablesCheck } from '../../../src/checks/hypertables-check.js';
import { createLocalEngine } from '../../../src/engines/local/local-engine.js';
import { loadSuites, runSuites, type DrillResult, type RunResult } from '../../../src/index.js';
import { SOURCE_ROWS, SOURCE_SQL, TIMESCALE_SETTINGS, connect, timescaleUnavailable } from './timescale-lab.js';

// A real TimescaleDB database (compressed chunks, a continuous aggregate, policies) dumped with pg_dump -Fc,
// restored by pgdrill from a filesystem store, and restored the lossy way a runbook might.
const unavailable = timescaleUnavailable();
const suite = unavailable ? describe.skip : describe;
const title = (name: string) => (unavailable ? `${name} (skipped: ${unavailable})` : name);

const expectations = `
      - hypertables:
          hypertables:
            - name: public.metrics
              minChunks: 7
              timeRange: { from: "2024-01-01 00:00+00", to: "2024-01-08 00:00+00" }
              compression: { segmentby: [device], orderby: [time], minCompressedChunks: 3 }
          continuousAggregates: [ { name: public.metrics_hourly, refresh: { start: "2024-01-01 00:00+00", end: "2024-01-08 00:00+00" } } ]
          jobs: { min: 2, owners: true }`;

let dir: string;
let dumpPath: string;
let run: RunResult;
const byName = (name: string): DrillResult => run.drills.find((d) => d.name === name)!;

suite(title('TimescaleDB dumps'), () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgdrill-tsdb-'));
    await chmod(dir, 0o711);
    await mkdir(join(dir, 'backups', 'tsdb'), { recursive: true });
    dumpPath = join(dir, 'backups', 'tsdb', 'metrics.dump');
    {
      await using source = await createLocalEngine().start({ workDir: dir, settings: TIMESCALE_SETTINGS });
      await source.runClient('psql', [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-d',
        'postgres',
        '-c',
        'CREATE DATABASE metrics',
      ]);
      await source.runClient('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'metrics', '-c', SOURCE_SQL]);
      await source.runClient('pg_dump', ['-Fc', '-f', dumpPath, 'metrics']);
      await source.runClient('pg_dump', ['-Fd', '-f', join(dir, 'backups', 'tsdb', 'metrics-dir'), 'metrics']);
      await source.runClient('pg_dump', ['-Fp', '-f', join(dir, 'backups', 'tsdb', 'metrics.sql'), 'metrics']);
      // A dump that claims another TimescaleDB version than the one installed here.
      await source.runClient('psql', [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-d',
        'metrics',
        '-c',
        "UPDATE _timescaledb_catalog.metadata SET value = '2.27.0' WHERE key = 'timescaledb_version'",
      ]);
      await source.runClient('pg_dump', ['-Fc', '-f', join(dir, 'backups', 'tsdb', 'other-version.dump'), 'metrics']);
    }
    const file = join(dir, 'timescale.yaml');
    await writeFile(
      file,
      `name: timescale
storage:
  backups:
    filesystem: { root: backups }
drills:
  - name: restored
    source:
      pgdump: { store: backups, database: metrics, key: tsdb/metrics.dump }
    checks:
      - rows: { table: public.metrics, exact: ${SOURCE_ROWS} }${expectations}
  - name: directory-format
    source:
      pgdump: { store: backups, database: metrics, key: tsdb/metrics-dir }
    checks:
      - rows: { table: public.metrics, exact: ${SOURCE_ROWS} }${expectations}
  - name: plain-format
    source:
      pgdump: { store: backups, database: metrics, key: tsdb/metrics.sql }
    checks:
      - rows: { table: public.metrics, exact: ${SOURCE_ROWS} }${expectations}
  - name: other-version
    source:
      pgdump: { store: backups, database: metrics, key: tsdb/other-version.dump }
    checks:
      - hypertables: {}
  - name: expects-more-chunks
    source:
      pgdump: { store: backups, database: metrics, key: tsdb/metrics.dump, jobs: 1 }
    checks:
      - hypertables: { hypertables: [ { name: public.metrics, minChunks: 50 } ] }
`,
    );
    run = await runSuites(await loadSuites([file], { env: process.env }), { engine: 'local', env: process.env });
  }, 600_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('pgdrill restores every chunk and every hypertables check passes', () => {
    const drill = byName('restored');
    expect(drill.error, JSON.stringify(drill.error)).toBeUndefined();
    expect(drill.checks.filter((c) => c.status !== 'passed')).toEqual([]);
    const check = drill.checks.find((c) => c.type === 'hypertables')!;
    expect(check.message).toContain('public.metrics: 7 chunks');
    expect(check.message).toContain('3 compressed');
    expect(drill.status).toBe('passed');
  });

  test.each(['directory-format', 'plain-format'])('%s restores every chunk too', (name) => {
    const drill = byName(name);
    expect(drill.error, JSON.stringify(drill.error)).toBeUndefined();
    expect(drill.checks.filter((c) => c.status !== 'passed')).toEqual([]);
    expect(drill.status).toBe('passed');
  });

  test('a dump of another TimescaleDB version fails naming both versions', () => {
    const drill = byName('other-version');
    expect(drill.error).toMatchObject({ code: 'EXTENSION_VERSION_MISMATCH' });
    expect(drill.error!.message).toMatch(
      /dumped with timescaledb 2\.27\.0, but PostgreSQL 15 here has timescaledb 2\.28\.\d+$/,
    );
  });

  test('a suite expecting more chunks than exist fails naming the hypertable and both counts', () => {
    const check = byName('expects-more-chunks').checks.find((c) => c.type === 'hypertables')!;
    expect(check.status).toBe('failed');
    expect(check.message).toBe('public.metrics has 7 chunks, expected at least 50');
  });

  test('a parallel pg_restore that loses chunks is caught, naming the hypertable and the chunk counts', async () => {
    await using target = await createLocalEngine().start({ workDir: dir, settings: TIMESCALE_SETTINGS });
    const psql = (db: string, sql: string) =>
      target.runClient('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', sql]);
    await psql('postgres', 'CREATE DATABASE lossy');
    await psql('lossy', 'CREATE EXTENSION timescaledb');
    await psql('lossy', 'SELECT timescaledb_pre_restore()');
    // What runbooks do: -j for speed, exit status ignored.
    await target.runClient('pg_restore', ['-j', '2', '--dbname', 'lossy', dumpPath], { okExitCodes: [0, 1] });
    await psql('lossy', 'SELECT timescaledb_post_restore()');
    const { db, close } = await connect(target, 'lossy');
    try {
      const outcome = await hypertablesCheck.run(
        { db, database: 'lossy', restoreSeconds: 1, objectives: {}, suiteDir: dir },
        hypertablesCheck.options.parse({ hypertables: [{ name: 'public.metrics', minChunks: 7 }] }),
      );
      expect(outcome.status).toBe('failed');
      expect(outcome.message).toMatch(/^public\.metrics has [0-6] chunks, expected at least 7/);
    } finally {
      await close();
    }
  }, 120_000);
});

// Keeps the reason visible in the report when the suite above is skipped.
(unavailable ? test.skip : test)(title('TimescaleDB is available for these tests'), () => {
  expect(unavailable).toBeUndefined();
});
