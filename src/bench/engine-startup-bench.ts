import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createDockerEngine } from '../engines/docker/docker-engine.js';
import type { Engine } from '../engines/engine.js';
import { createLocalEngine } from '../engines/local/local-engine.js';

/**
 * `npm run bench:engines [-- --runs 5]`: for each usable engine, the time from start() to the first answered
 * query over TCP with the drill's password, and to a stopped-and-removed server; median and range of N runs,
 * and docker's median against local's in the same run.
 */
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const log = (line: string) => process.stdout.write(`${line}\n`);
const medians: Record<string, number> = {};

for (const engine of [createLocalEngine(), createDockerEngine()] as Engine[]) {
  const probe = await engine.probe();
  if (!probe.usable) {
    log(`${engine.kind}: not usable here (${probe.reason})`);
    continue;
  }
  const firstQuery: number[] = [];
  const stopped: number[] = [];
  for (let i = 0; i < runs; i++) {
    const work = await mkdtemp(join(tmpdir(), 'pgdrill-bench-engine-'));
    await chmod(work, 0o711);
    try {
      const t0 = performance.now();
      const server = await engine.start({ workDir: work });
      const client = new pg.Client({ ...server.connection, ssl: false });
      await client.connect();
      await client.query('select 1');
      firstQuery.push(performance.now() - t0);
      await client.end();
      const t1 = performance.now();
      await server.stop();
      stopped.push(performance.now() - t1);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  medians[engine.kind] = median(firstQuery);
  log(
    `${engine.kind}: start to first query ${fmt(median(firstQuery))} median (${fmt(Math.min(...firstQuery))} … ${fmt(Math.max(...firstQuery))}, ${runs} runs); stop and remove ${fmt(median(stopped))}`,
  );
}
if (medians.local && medians.docker) log(`docker / local start-up: ${(medians.docker / medians.local).toFixed(2)}`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function fmt(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
