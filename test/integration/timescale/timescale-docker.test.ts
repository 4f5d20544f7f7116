import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectRuntime, imageExists } from '../../../src/engines/docker/docker-runtime.js';
import { createDockerEngine } from '../../../src/engines/docker/docker-engine.js';
import { loadSuites, runSuites, type DrillResult, type RunResult } from '../../../src/index.js';
import { dockerEngineAvailability, pgdrillContainers } from '../../support/docker-support.js';
import { PG_BIN } from '../../support/scratch-postgres.js';
import { SOURCE_ROWS, SOURCE_SQL, TIMESCALE_SETTINGS } from './timescale-lab.js';

// The same TimescaleDB restore on the docker engine: the source database and the restore both run in the
// TimescaleDB image the engine picks for `timescaledb` (PGDRILL_TIMESCALEDB_IMAGE, else the official one);
// pg_dump runs on this machine against the source container's loopback port.
const MAJOR = 15;
const image = (process.env.PGDRILL_TIMESCALEDB_IMAGE || 'timescale/timescaledb:latest-pg{major}').replaceAll('{major}', String(MAJOR));
const docker = await dockerEngineAvailability();
const present = docker.usable && (await imageExists(await connectRuntime(), image));
const why = !docker.usable ? docker.reason : !present ? `no TimescaleDB image ${image} here (none is packaged for Debian, and tests never pull); set PGDRILL_TIMESCALEDB_IMAGE to one that is present` : '';
const title = (name: string) => (why ? `${name} (skipped: ${why})` : name);

let dir: string;
let run: RunResult;
const byName = (name: string): DrillResult => run.drills.find((d) => d.name === name)!;

function pgDump(env: Record<string, string>, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(join(PG_BIN, 'pg_dump'), args, { env: { ...process.env, ...env } }, (error, _out, stderr) => (error ? reject(new Error(`pg_dump ${args.join(' ')}: ${stderr}`)) : resolve())),
  );
}

describe.skipIf(!present)(title('TimescaleDB dumps on the docker engine'), () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgdrill-tsdb-docker-'));
    await chmod(dir, 0o711);
    const backups = await mkdir(join(dir, 'backups'), { recursive: true }).then(() => join(dir, 'backups'));
    {
      const engine = createDockerEngine({ pull: 'never', images: [{ image, extensions: ['timescaledb'] }] });
      await using source = await engine.start({ workDir: dir, major: MAJOR, extensions: ['timescaledb'], settings: TIMESCALE_SETTINGS });
      await source.runClient('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres', '-c', 'CREATE DATABASE metrics']);
      await source.runClient('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'metrics', '-c', SOURCE_SQL]);
      const env = source.clientEnv('metrics');
      await pgDump(env, ['-Fc', '-f', join(backups, 'metrics.dump')]);
      await pgDump(env, ['-Fp', '-f', join(backups, 'metrics.sql')]);
    }
    const file = join(dir, 'timescale-docker.yaml');
    await writeFile(
      file,
      `name: timescale-docker
engine: { kind: docker, docker: { pull: never, images: [ { image: "${image}", extensions: [timescaledb] } ] } }
storage: { backups: { filesystem: { root: backups } } }
drills:
  - name: custom-format
    source: { pgdump: { store: backups, database: metrics, key: metrics.dump } }
    checks:
      - rows: { table: public.metrics, exact: ${SOURCE_ROWS} }
      - hypertables:
          hypertables: [ { name: public.metrics, minChunks: 7, compression: { segmentby: [device], orderby: [time], minCompressedChunks: 3 } } ]
          continuousAggregates: [ { name: public.metrics_hourly, refresh: { start: "2024-01-01 00:00+00", end: "2024-01-08 00:00+00" } } ]
          jobs: { min: 2, owners: true }
  - name: plain-format
    source: { pgdump: { store: backups, database: metrics, key: metrics.sql } }
    checks:
      - rows: { table: public.metrics, exact: ${SOURCE_ROWS} }
      - hypertables: { hypertables: [ { name: public.metrics, minChunks: 7 } ] }
`,
    );
    run = await runSuites(await loadSuites([file], { env: process.env }), { engine: 'docker', env: process.env });
  }, 600_000);

  afterAll(async () => {
    if (!dir) return;
    expect(await pgdrillContainers(dir)).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });

  test.each(['custom-format', 'plain-format'])('%s: every chunk restored in the TimescaleDB image, every check passes', (name) => {
    const drill = byName(name);
    expect(drill.error, JSON.stringify(drill.error)).toBeUndefined();
    expect(drill.checks.filter((c) => c.status !== 'passed')).toEqual([]);
    expect(drill.status).toBe('passed');
    expect(drill.engine).toMatchObject({ kind: 'docker', image, major: MAJOR });
    expect(drill.engine!.extensions!.map((e) => e.name)).toContain('timescaledb');
  });

  test('the hypertables check saw the chunks and the compressed ones', () => {
    const check = byName('custom-format').checks.find((c) => c.type === 'hypertables')!;
    expect(check.message).toContain('public.metrics: 7 chunks');
    expect(check.message).toContain('3 compressed');
  });
});

// Keeps the reason visible in the report when the suite above is skipped.
test.skipIf(why !== '')(title('a TimescaleDB image is available for the docker engine'), () => {
  expect(why).toBe('');
});
