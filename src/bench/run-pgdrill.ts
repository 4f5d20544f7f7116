import type { EmbeddedS3 } from '../demo/embedded-s3.js';
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { BenchWorkspace } from './bench-workspace.js';

const CLI = join(import.meta.dirname, '..', 'cli', 'main.js');
const PROBE = pathToFileURL(join(import.meta.dirname, 'rss-probe.js')).href;

export interface PgdrillRun {
  /** From spawning `node dist/cli/main.js run` to its exit: CLI start-up, fetch, server, restore, checks, teardown. */
  seconds: number;
  /** Peak resident set of the pgdrill process, MiB. */
  rssMiB: number;
  /** The drill's timings from the JSON report (fetchSeconds, engineSeconds, restoreSeconds, …). */
  timings: Record<string, number>;
  /** The drill itself, as the report measured it (without CLI start-up and report writing). */
  drillSeconds: number;
  /** Each check's name and seconds. */
  checks: Array<{ name: string; seconds: number }>;
}

/** Run the built CLI on one suite as a user does (local engine), in its own TMPDIR; any exit but 0 is an error. */
export async function runPgdrill(
  ws: BenchWorkspace,
  suiteFile: string,
  env: Record<string, string> = {},
): Promise<PgdrillRun> {
  const tmp = await ws.subdir(`cli-${Date.now()}`);
  const json = join(tmp, 'report.json');
  const rssFile = join(tmp, 'rss');
  const logFile = join(ws.dir, 'pgdrill-cli.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', PROBE, CLI, 'run', suiteFile, '--engine', 'local', '--json', json],
    {
      env: { ...process.env, ...env, TMPDIR: tmp, PGDRILL_BENCH_RSS_FILE: rssFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  ws.track(child);
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : -1)));
  });
  const seconds = (performance.now() - t0) / 1000;
  log.end();
  if (code !== 0) {
    const tail = (await readFile(logFile, 'utf8')).split('\n').slice(-30).join('\n');
    throw new Error(`pgdrill run ${suiteFile} exited ${code}:\n${tail}`);
  }
  const rssKiB = Number(await readFile(rssFile, 'utf8'));
  const report = JSON.parse(await readFile(json, 'utf8')) as { drills: DrillReportPart[] };
  await rm(tmp, { recursive: true, force: true });
  const drill = report.drills[0];
  return {
    seconds,
    rssMiB: rssKiB / 1024,
    timings: drill?.timings ?? {},
    drillSeconds: (drill?.durationMs ?? 0) / 1000,
    checks: (drill?.checks ?? []).map((c) => ({ name: c.name, seconds: c.durationMs / 1000 })),
  };
}

interface DrillReportPart {
  durationMs: number;
  timings?: Record<string, number>;
  checks?: Array<{ name: string; durationMs: number }>;
}

/** The bench suites' one store, `disk`: the fixture's directory, or its bucket in the embedded S3. */
export function benchStoreYaml(
  store: 'filesystem' | 's3',
  root: string,
  s3?: { bucket: string; server: EmbeddedS3 },
): string {
  if (store === 'filesystem') return `disk: { filesystem: { root: "${root}" } }`;
  const { bucket, server } = s3!;
  return `disk: { s3: { bucket: ${bucket}, region: ${server.region}, endpoint: "${server.endpoint}", forcePathStyle: true, caBundle: "${server.caPath}" } }`;
}
