import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunResult } from '../../src/results.js';
import { leftovers, serverProcessesUnder, startBackupLab, type BackupLab } from '../support/backup-lab.js';
import { runCliUntil } from '../support/interrupt-cli.js';

// The built CLI with --concurrency on real pg_dump archives in an embedded S3 server. A bigger dump
// (restored with pg_restore --jobs 2) keeps two drills busy long enough to interrupt them both.
let lab: BackupLab;
let suite: string;
const out = (name: string) => join(lab.dir, 'reports', name);

beforeAll(async () => {
  lab = await startBackupLab({
    extra: async ({ server, put }) => {
      await server.runClient('psql', [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-d',
        'shop',
        '-c',
        'CREATE TABLE shop.events AS SELECT g AS id, md5(g::text) AS a, md5((g * 7)::text) AS b FROM generate_series(1, 1500000) g; ALTER TABLE shop.events ADD PRIMARY KEY (id)',
      ]);
      await put('big/shop.dump', { format: 'custom', args: ['--compress=0'] });
    },
  });
  suite = await lab.writeSuite(
    'three',
    `name: three
${lab.storageYaml}drills:
  - name: custom
    source: { pgdump: { store: lab, database: shop, key: formats/shop.dump } }
    checks:
      - rows: { table: shop.users, exact: 5000 }
  - name: plain
    source: { pgdump: { store: lab, database: shop, key: formats/shop.sql } }
    checks:
      - rows: { table: shop.orders, exact: 20000 }
      - sequences: {}
  - name: directory
    source: { pgdump: { store: lab, database: shop, key: formats/shop-dir } }
    checks:
      - rows: { table: shop.users, exact: 5000 }
`,
  );
}, 900_000);

afterAll(async () => {
  await lab?.close();
});

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as RunResult;
const verdicts = (run: RunResult) =>
  run.drills.map((d) => `${d.name}: ${d.status} (${d.checks.map((c) => `${c.name} ${c.status}`).join(', ')})`);

describe('--concurrency', () => {
  test('--concurrency 2 on three drills: same verdicts as serial, in suite order, and the drills really overlapped', async () => {
    const serial = await lab.runCli(['run', suite, '--json', out('serial.json')]);
    const parallel = await lab.runCli(['run', suite, '--concurrency', '2', '--json', out('parallel.json')]);
    expect(serial.exitCode, serial.stderr).toBe(0);
    expect(parallel.exitCode, parallel.stderr).toBe(0);
    const [one, two] = [await readJson(out('serial.json')), await readJson(out('parallel.json'))];
    expect(verdicts(two)).toEqual(verdicts(one));
    expect(two.drills.map((d) => d.name)).toEqual(['custom', 'plain', 'directory']);
    // Two drills overlap when each started before the other finished.
    const spans = two.drills.map((d) => [Date.parse(d.startedAt), Date.parse(d.finishedAt)] as const);
    const overlapping = spans.flatMap((a, i) => spans.slice(i + 1).filter((b) => a[0] < b[1] && b[0] < a[1])).length;
    expect(overlapping).toBeGreaterThanOrEqual(1);
    const serialSpans = one.drills.map((d) => [Date.parse(d.startedAt), Date.parse(d.finishedAt)] as const);
    expect(serialSpans.every((s, i) => i === 0 || serialSpans[i - 1]![1] <= s[0])).toBe(true);
    // Each drill had its own server and port.
    const ports = two.drills.map((d) => /127\.0\.0\.1:(\d+)/.exec(d.engine!.connection)?.[1]);
    expect(new Set(ports).size).toBe(3);
    // Interleaved progress lines name their drill.
    expect(parallel.stderr).toMatch(/^\[plain\] ✓ restore passed/m);
    expect(await leftovers(parallel.tmp)).toEqual([]);
  });

  test('a restore whose estimate exceeds the free space is refused before anything is fetched, with the numbers (exit 3)', async () => {
    const refused = await lab.runCli([
      'run',
      suite,
      '--only',
      'custom',
      '--disk-budget',
      '16MiB',
      '--json',
      out('refused.json'),
    ]);
    expect(refused.exitCode, refused.stderr).toBe(3);
    expect(refused.stdout).toMatch(
      /DISK_SPACE_INSUFFICIENT: not restoring pg_dump archive formats\/shop\.dump: it needs about 65\.\d MiB of disk and 16\.0 MiB is available \(\d+\.\d [KMGT]iB free in .*, disk budget 16\.0 MiB\)/,
    );
    expect(refused.stdout).toMatch(/estimate: \d+\.\d KiB compressed archive × 5 \+ 64\.0 MiB for the server/);
    expect(refused.stdout).toMatch(
      /hint: free space there or point TMPDIR at a larger disk, lower --concurrency, or raise --disk-budget/,
    );
    const drill = (await readJson(out('refused.json'))).drills[0]!;
    expect(drill.status).toBe('error');
    expect(drill.error).toMatchObject({ code: 'DISK_SPACE_INSUFFICIENT', exitCode: 3 });
    expect(drill.engine).toBeUndefined();
    expect(drill.timings?.engineSeconds).toBeUndefined();
    expect(await leftovers(refused.tmp)).toEqual([]);

    const unchecked = await lab.runCli(['run', suite, '--only', 'custom', '--disk-budget', '16MiB', '--no-disk-check']);
    expect(unchecked.exitCode, unchecked.stderr).toBe(0);
  });

  test('SIGINT while two restores run cancels both and leaves no server and no temp dir', async () => {
    const big = await lab.writeSuite(
      'big-pair',
      `name: big-pair\n${lab.storageYaml}drills:\n${['big-a', 'big-b', 'big-c'].map((n) => `  - name: ${n}\n    source: { pgdump: { store: lab, key: big/shop.dump, jobs: 2 } }\n`).join('')}`,
    );
    const result = await runCliUntil(['run', big, '--concurrency', '2', '--json', out('cancelled.json')], {
      env: lab.env,
      labDir: lab.dir,
      // Both drills are running (their directories exist) and at least one is inside pg_restore: under load
      // the two pg_restores need not overlap, the two drills always do. Checked one call at a time, so a slow
      // ps cannot report a state older than the one the signal was sent on.
      when: async ({ tmp }) => (await drillDirsUnder(tmp)).size >= 2 && (await pgRestoreDrillsUnder(tmp)).size >= 1,
    });
    expect(result.signalled).toBe(true);
    expect(result.exitCode, result.stderr).toBe(130);
    expect(result.stdout).toMatch(/DRILL_CANCELLED/);
    const run = await readJson(out('cancelled.json'));
    // The third drill never started; the two running ones were cancelled.
    expect(run.drills.map((d) => `${d.name} ${d.error?.code}`)).toEqual([
      'big-a DRILL_CANCELLED',
      'big-b DRILL_CANCELLED',
    ]);
    expect(await serverProcessesUnder(result.tmp)).toEqual([]);
    expect(await leftovers(result.tmp)).toEqual([]);
  });
});

/** The drills (by workspace directory name) running under `tmp`. */
async function drillDirsUnder(tmp: string): Promise<Set<string>> {
  const names = await readdir(tmp).catch(() => [] as string[]);
  return new Set(names.flatMap((n) => /^pgdrill-(big-[abc])-/.exec(n)?.[1] ?? []));
}

/** The drills (by workspace directory name) that have a pg_restore running under `tmp`. */
function pgRestoreDrillsUnder(tmp: string): Promise<Set<string>> {
  return new Promise((resolve) =>
    execFile('ps', ['-eo', 'args'], (_e, stdout) =>
      resolve(
        new Set(
          stdout
            .split('\n')
            .filter((l) => l.includes('pg_restore') && l.includes(tmp))
            .flatMap((l) => /pgdrill-(big-[abc])-/.exec(l)?.[1] ?? []),
        ),
      ),
    ),
  );
}
