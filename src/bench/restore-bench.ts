import { cpus, tmpdir } from 'node:os';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createLocalEngine } from '../engines/local/local-engine.js';
import { loadSuites } from '../suite/suite-api.js';
import { runSuites } from '../drill/run-suite.js';

/**
 * `npm run bench [-- --size-mb 1024 --jobs N]`: in one run, restore the same dump with raw
 * `pg_restore -j N` into a fresh server, and through a pgdrill drill (with its checks); print both and the ratio.
 */
const { values } = parseArgs({ options: { 'size-mb': { type: 'string', default: '1024' }, jobs: { type: 'string', default: String(cpus().length) } } });
const sizeMb = Number(values['size-mb']);
const jobs = Number(values.jobs);
const engine = createLocalEngine();
const work = await mkdtemp(join(tmpdir(), 'pgdrill-bench-'));
await chmod(work, 0o711);
const seconds = (t: number) => (performance.now() - t) / 1000;
const log = (line: string) => process.stdout.write(`${line}\n`);

try {
  // ~220 bytes per row on disk with its indexes (measured): rows for the requested heap size.
  const rows = Math.round((sizeMb * 1024 * 1024) / 220);
  const dump = join(work, 'bench.dump');
  {
    await using source = await engine.start({ workDir: work });
    let t = performance.now();
    await source.runClient('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres', '-c', 'CREATE DATABASE bench']);
    await source.runClient('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'bench', '-c',
      `CREATE TABLE events (id bigserial PRIMARY KEY, account int NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL);
       CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL);
       INSERT INTO accounts SELECT g, 'account ' || g FROM generate_series(1, 10000) g;
       INSERT INTO events (account, payload, created_at)
         SELECT 1 + g % 10000, md5(g::text) || md5((g * 31)::text) || md5((g * 17)::text), timestamptz '2026-01-01' + g * interval '1 second'
         FROM generate_series(1, ${rows}) g;
       ALTER TABLE events ADD FOREIGN KEY (account) REFERENCES accounts (id);
       CREATE INDEX ON events (created_at);`]);
    const size = (await source.runClient('psql', ['-X', '-At', '-d', 'bench', '-c', 'select pg_database_size(current_database())'])).stdout;
    log(`database: ${rows.toLocaleString()} rows, ${(Number(size) / 1048576).toFixed(0)} MiB, generated in ${seconds(t).toFixed(1)} s`);
    t = performance.now();
    await source.runClient('pg_dump', ['-Fc', '-f', dump, 'bench']);
    log(`pg_dump -Fc: ${((await stat(dump)).size / 1048576).toFixed(0)} MiB in ${seconds(t).toFixed(1)} s`);
  }

  // Raw: what a runbook does by hand — a fresh server, createdb, pg_restore -j N.
  let t = performance.now();
  {
    await using target = await engine.start({ workDir: work });
    await target.runClient('psql', ['-X', '-q', '-d', 'postgres', '-c', 'CREATE DATABASE bench']);
    await target.runClient('pg_restore', ['-j', String(jobs), '-d', 'bench', dump]);
  }
  const raw = seconds(t);
  log(`raw pg_restore -j ${jobs} (fresh server + createdb + restore): ${raw.toFixed(1)} s`);

  const suiteFile = join(work, 'bench.yaml');
  await writeFile(suiteFile, `name: bench
storage:
  disk: { filesystem: { root: ${work} } }
drills:
  - name: bench
    source: { pgdump: { store: disk, key: bench.dump, database: bench, jobs: ${jobs} } }
    checks:
      - rows: { table: public.events, exact: ${rows} }
      - sequences: {}
      - schema: { tables: [public.events, public.accounts] }
`);
  t = performance.now();
  const run = await runSuites(await loadSuites([suiteFile]), { engine: 'local' });
  const drill = seconds(t);
  const d = run.drills[0]!;
  const checks = d.checks.reduce((s, c) => s + c.durationMs, 0) / 1000;
  log(`pgdrill drill (fetch ${d.timings?.fetchSeconds} s, engine ${d.timings?.engineSeconds} s, restore ${d.timings?.restoreSeconds} s, checks ${checks.toFixed(1)} s): ${drill.toFixed(1)} s, ${d.status}`);
  log(`ratio pgdrill / raw: ${(drill / raw).toFixed(2)} (restore only, without checks: ${((drill - checks) / raw).toFixed(2)})`);
  if (d.status !== 'passed') process.exitCode = 1;
} finally {
  await rm(work, { recursive: true, force: true });
}
