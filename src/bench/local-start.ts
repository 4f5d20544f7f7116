import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createLocalEngine } from '../engines/local/local-engine.js';
import type { BenchWorkspace } from './bench-workspace.js';

/** Seconds from the local engine's start() to the first answered query over TCP, for `runs` fresh servers. */
export async function measureLocalStart(ws: BenchWorkspace, runs: number): Promise<number[]> {
  const engine = createLocalEngine();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await using server = await engine.start({ workDir: ws.dir });
    const client = new pg.Client({ ...server.connection, ssl: false });
    await client.connect();
    await client.query('select 1');
    times.push((performance.now() - t0) / 1000);
    await client.end();
  }
  return times;
}
