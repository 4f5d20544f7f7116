import { rm } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { startEmbeddedS3, type EmbeddedS3 } from '../demo/embedded-s3.js';
import { COMPARISONS, parseBenchOptions, type Comparison } from './bench-options.js';
import { createBenchWorkspace } from './bench-workspace.js';
import { measureLocalStart } from './local-start.js';
import { median, runPairs, summarize, type ComparisonSummary } from './pairs.js';
import {
  makePgdumpFixture,
  rawPgRestore,
  rawPgRestoreFromS3,
  uploadPgdumpFixture,
  writePgdumpSuite,
} from './pgdump-bench.js';
import { pgbackrestVersion, rawPgbackrest, writePgbackrestSuite } from './pgbackrest-bench.js';
import { makePgbackrestBenchFixture } from './pgbackrest-fixture.js';
import { runPgdrill } from './run-pgdrill.js';
import { rawWalLocal, rawWalS3, writeWalSuite } from './wal-bench.js';
import { makeWalFixture, uploadWalFixture } from './wal-fixture.js';

/**
 * `npm run bench [-- --pairs 3 --size-mb 1024 --wal-mb 1024 --jobs N --only pgdump-local,wal-s3]`: for each
 * comparison, interleaved pairs of the by-hand way (raw) and a pgdrill drill run through the built CLI, on
 * the same backup; min/median of each side and the median of the per-pair ratios pgdrill/raw.
 */
const options = parseBenchOptions(process.argv.slice(2));
// The bench's own S3 clients (uploads) would print the SDK's Node 20 notice in the middle of the results.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const log = (line: string) => process.stdout.write(`${line}\n`);
const load = () => loadavg()[0]!.toFixed(2);
const BUCKET = 'bench';
const wants = (c: Comparison) => options.only.includes(c);

log(`pgdrill restore bench ${new Date().toISOString()}: ${cpus().length} cores, load ${load()}`);
log(
  `options: pairs ${options.pairs}, size-mb ${options.sizeMb}, wal-mb ${options.walMb}, jobs ${options.jobs}, only ${options.only.join(',')}`,
);
const ws = await createBenchWorkspace();
let s3: EmbeddedS3 | undefined;
const results = new Map<Comparison, ComparisonSummary>();
let peakRss = 0;
const failed: string[] = [];
let startTimes: number[] = [];
try {
  if (wants('pgdump-s3') || wants('wal-s3')) {
    s3 = await startEmbeddedS3({ dir: ws.dir });
    await s3.createBucket(BUCKET);
  }
  const cliEnv = s3
    ? { ...s3.env(), AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }
    : {};
  const pgdrillSide = (suite: string, env: Record<string, string>) => async () => {
    const run = await runPgdrill(ws, suite, env);
    peakRss = Math.max(peakRss, run.rssMiB);
    const phases = Object.entries(run.timings)
      .map(([k, v]) => `${k.replace(/Seconds$/, '')} ${v} s`)
      .join(', ');
    const checks = run.checks.map((c) => `${c.name} ${c.seconds.toFixed(2)} s`).join(', ');
    log(
      `    pgdrill: drill ${run.drillSeconds.toFixed(2)} s (${phases}; checks: ${checks}); outside the drill (CLI start-up, reports, exit) ${(run.seconds - run.drillSeconds).toFixed(2)} s; peak RSS ${run.rssMiB.toFixed(0)} MiB`,
    );
    return run.seconds;
  };
  const compare = async (name: Comparison, raw: () => Promise<number>, pgdrill: () => Promise<number>) => {
    log(`${name}: ${options.pairs} interleaved pairs (load ${load()})`);
    const { samples, failures } = await runPairs(
      options.pairs,
      { raw, pgdrill },
      {
        onSample: (s) => log(`  pair ${s.pair + 1} ${s.side.padEnd(7)} ${s.seconds.toFixed(2)} s`),
        onFailure: (f) =>
          log(
            `  pair ${f.pair + 1} ${f.side.padEnd(7)} FAILED, the pair is run again: ${f.error instanceof Error ? f.error.message : String(f.error)}`,
          ),
        maxFailures: options.pairs,
      },
    );
    for (const f of failures) failed.push(`${name} pair ${f.pair + 1} ${f.side}`);
    const summary = summarize(samples);
    results.set(name, summary);
    log(
      `${name}: raw min ${summary.raw.min.toFixed(2)} s, median ${summary.raw.median.toFixed(2)} s; pgdrill min ${summary.pgdrill.min.toFixed(2)} s, median ${summary.pgdrill.median.toFixed(2)} s; ` +
        `median ratio ${summary.medianRatio.toFixed(3)} (ratio of medians ${summary.ratioOfMedians.toFixed(3)})`,
    );
  };

  const runs = Math.max(3, options.pairs);
  startTimes = await measureLocalStart(ws, runs);
  log(`local engine start() to first query: ${startTimes.map((s) => s.toFixed(2)).join(', ')} s`);

  if (wants('pgdump-local') || wants('pgdump-s3')) {
    const fixture = await makePgdumpFixture(ws, options.sizeMb, log);
    if (wants('pgdump-local')) {
      const suite = await writePgdumpSuite(ws.dir, fixture, options.jobs, 'filesystem');
      await compare('pgdump-local', () => rawPgRestore(ws, fixture.dump, options.jobs), pgdrillSide(suite, {}));
    }
    if (wants('pgdump-s3') && s3) {
      await uploadPgdumpFixture(fixture, s3, BUCKET);
      const suite = await writePgdumpSuite(ws.dir, fixture, options.jobs, 's3', s3);
      const store = s3;
      await compare(
        'pgdump-s3',
        () => rawPgRestoreFromS3(ws, store, fixture, options.jobs),
        pgdrillSide(suite, cliEnv),
      );
    }
    // The dump's directory goes before the WAL fixture is made: disk for one fixture at a time.
    await rm(fixture.dir, { recursive: true, force: true });
  }

  if (wants('wal-local') || wants('wal-s3')) {
    const fixture = await makeWalFixture(ws.dir, options.walMb, log);
    if (wants('wal-local')) {
      const suite = await writeWalSuite(ws.dir, fixture, 'filesystem');
      await compare('wal-local', () => rawWalLocal(ws, fixture), pgdrillSide(suite, {}));
    }
    if (wants('wal-s3') && s3) {
      await uploadWalFixture(fixture, s3, BUCKET);
      const suite = await writeWalSuite(ws.dir, fixture, 's3', s3);
      const store = s3;
      await compare('wal-s3', () => rawWalS3(ws, store, fixture), pgdrillSide(suite, cliEnv));
    }
  }

  if (wants('pgbackrest')) {
    const version = await pgbackrestVersion();
    if (!version.ok) log(`SKIP pgbackrest ${version.reason}`);
    else {
      log(`pgbackrest fixture: ${version.version}`);
      const fixture = await makePgbackrestBenchFixture(ws.dir, { sizeMb: options.sizeMb, walMb: options.walMb }, log);
      const suite = await writePgbackrestSuite(ws.dir, fixture);
      await compare('pgbackrest', () => rawPgbackrest(ws, fixture), pgdrillSide(suite, {}));
    }
  }
  log(`failed runs (not counted, their pair run again): ${failed.length === 0 ? 'none' : failed.join('; ')}`);
  log(`load ${load()} at the end`);
  for (const name of COMPARISONS) {
    const summary = results.get(name);
    if (summary) log(`RATIO ${name} ${summary.medianRatio.toFixed(3)}`);
  }
  log(`START local ${median(startTimes).toFixed(2)}`);
  log(`RSS ${peakRss > 0 ? peakRss.toFixed(0) : 'n/a'}`);
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await s3?.stop();
  await ws.close();
}
