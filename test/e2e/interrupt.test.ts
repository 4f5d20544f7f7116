import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunResult } from '../../src/results.js';
import { leftovers, serverProcessesUnder, startBackupLab, type BackupLab } from '../support/backup-lab.js';
import { dockerEngineAvailability, pgdrillContainers } from '../support/docker-support.js';
import {
  allProcesses,
  processesMentioning,
  runCliUntil,
  type InterruptedRun,
  type RunState,
} from '../support/interrupt-cli.js';

const docker = await dockerEngineAvailability();

// SIGINT or SIGTERM at each step of a drill (download, restore, checks, reports) ends the run cancelled:
// exit 130, JUnit <error> DRILL_CANCELLED, no stack trace, no process and no file left. Each signal is
// sent on an observed event (a file growing, a process in ps, a line on stderr), never after a sleep.
let lab: BackupLab;
let bigSize: number;

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
        'CREATE TABLE shop.events AS SELECT g AS id, md5(g::text) AS a, md5((g * 7)::text) AS b FROM generate_series(1, 3000000) g; ALTER TABLE shop.events ADD PRIMARY KEY (id)',
      ]);
      bigSize = (await stat(await put('big/shop.dump', { format: 'custom', args: ['--compress=0'] }))).size;
    },
  });
}, 600_000);

afterAll(async () => {
  await lab?.close();
});

const bigSuite = (name: string, checks = '') =>
  lab.writeSuite(
    name,
    `name: ${name}\n${lab.storageYaml}drills:\n  - name: big\n    source: { pgdump: { store: lab, key: big/shop.dump, jobs: 2 } }\n${checks}`,
  );
const run = (
  args: string[],
  when: (s: RunState) => Promise<boolean> | boolean,
  extra: { signal?: NodeJS.Signals; env?: Record<string, string>; afterSignal?: (s: RunState) => Promise<void> } = {},
) =>
  runCliUntil(args, {
    env: { ...lab.env, ...extra.env },
    labDir: lab.dir,
    when,
    signal: extra.signal,
    afterSignal: extra.afterSignal,
  });
const pgRestoreRunningUnder = async (tmp: string) =>
  (await processesMentioning(tmp)).some((p) => p.args.includes('pg_restore'));

/** The cancelled run's promises: exit 130, DRILL_CANCELLED in the summary and the reports, no stack, nothing left. */
async function expectCancelled(result: InterruptedRun, signal: string, reports?: { junit?: string; json?: string }) {
  expect(result.signalled, 'the signal was sent while the event held').toBe(true);
  expect(result.exitCode, result.stdout + result.stderr).toBe(130);
  expect(result.stderr).toContain(`${signal} received`);
  expect(result.stdout).toMatch(/DRILL_CANCELLED/);
  expect(result.stdout + result.stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)?(\n|$)/);
  if (reports?.junit) {
    const xml = await readFile(reports.junit, 'utf8');
    expect(xml).toMatch(/<error [^>]*DRILL_CANCELLED/);
    expect(xml).not.toContain('<failure ');
  }
  if (reports?.json) {
    const drill = (JSON.parse(await readFile(reports.json, 'utf8')) as RunResult).drills[0]!;
    expect(drill.status).toBe('error');
    expect(drill.error).toMatchObject({ code: 'DRILL_CANCELLED', exitCode: 130 });
  }
  expect(await serverProcessesUnder(result.tmp)).toEqual([]);
  expect(await leftovers(result.tmp)).toEqual([]);
}

/** A file of the drill's downloads that has some but not all of the archive's bytes. */
async function downloadUnderWay(tmp: string): Promise<boolean> {
  const names = await readdir(tmp, { recursive: true }).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.includes('/files/'))) {
    const size = await stat(join(tmp, name)).then(
      (s) => (s.isFile() ? s.size : 0),
      () => 0,
    );
    if (size > 0 && size < bigSize) return true;
  }
  return false;
}

test('SIGTERM during the download', async () => {
  const file = await bigSuite('cancel-download');
  const junit = join(lab.dir, 'cancel-download.xml');
  const json = join(lab.dir, 'cancel-download.json');
  const result = await run(['run', file, '--junit', junit, '--json', json], (s) => downloadUnderWay(s.tmp), {
    signal: 'SIGTERM',
  });
  await expectCancelled(result, 'SIGTERM', { junit, json });
});

// On the docker engine pg_restore runs inside the container; its command line still names the drill's
// directory, which is mounted at the same path.
for (const { engine, skip } of [
  { engine: 'local', skip: '' },
  { engine: 'docker', skip: docker.usable ? '' : ` (skipped: ${docker.reason})` },
]) {
  test.skipIf(skip !== '')(
    `SIGINT in the middle of a restore leaves no server process, container or temp dir (${engine} engine)${skip}`,
    async () => {
      const file = await bigSuite(`cancel-restore-${engine}`);
      const junit = join(lab.dir, `cancel-restore-${engine}.xml`);
      const json = join(lab.dir, `cancel-restore-${engine}.json`);
      const result = await run(['run', file, '--junit', junit, '--json', json], (s) => pgRestoreRunningUnder(s.tmp), {
        env: { PGDRILL_ENGINE: engine },
      });
      await expectCancelled(result, 'SIGINT', { junit, json });
      // Cancelled, not blamed on the archive.
      expect(result.stdout).not.toMatch(/RESTORE_FAILED/);
      if (engine === 'docker') expect(await pgdrillContainers(result.tmp)).toEqual([]);
    },
  );
}

/** A backend of a server under `tmp` running a statement (a check's query): its title ends in SELECT. */
async function checkQueryRunning(tmp: string): Promise<boolean> {
  const postmasters = new Set(
    (await processesMentioning(tmp)).filter((p) => /postgres\b.*-D/.test(p.args)).map((p) => p.pid),
  );
  return (await allProcesses()).some((p) => postmasters.has(p.ppid) && /SELECT$/.test(p.args.trim()));
}

test('SIGINT while a check runs: cancelled, the check skipped, not a failed check with a stack trace', async () => {
  const file = await lab.writeSuite(
    'cancel-checks',
    `name: cancel-checks\n${lab.storageYaml}drills:\n  - name: small\n    source: { pgdump: { store: lab, database: shop, key: formats/shop.dump } }\n    checks:\n      - rows: { table: shop.users, exact: 5000 }\n      - sql: { name: slow, query: "select pg_sleep(600) is null", equals: false }\n`,
  );
  const junit = join(lab.dir, 'cancel-checks.xml');
  const json = join(lab.dir, 'cancel-checks.json');
  const result = await run(
    ['run', file, '--junit', junit, '--json', json],
    async (s) => /✓ rows shop\.users/.test(s.stderr) && (await checkQueryRunning(s.tmp)),
  );
  await expectCancelled(result, 'SIGINT', { junit, json });
  const drill = (JSON.parse(await readFile(json, 'utf8')) as RunResult).drills[0]!;
  expect(drill.checks.map((c) => `${c.name} ${c.status}`)).toEqual([
    expect.stringMatching(/^rows shop\.users .* passed$/),
    expect.stringMatching(/^sql slow .* skipped$/),
  ]);
});

test('SIGTERM while the reports are written: the reports are whole, the run exits 130', async () => {
  const file = await lab.writeSuite(
    'cancel-reports',
    `name: cancel-reports\n${lab.storageYaml}drills:\n  - name: small\n    source: { pgdump: { store: lab, database: shop, key: formats/shop.dump } }\n`,
  );
  // The JUnit file is a FIFO: writing it blocks until the test reads it, after the signal.
  const fifo = join(lab.dir, 'cancel-reports.xml');
  await promisify(execFile)('mkfifo', [fifo]);
  let xml = '';
  const result = await run(['run', file, '--junit', fifo], (s) => /✓ small passed in/.test(s.stderr), {
    signal: 'SIGTERM',
    afterSignal: async () => {
      xml = await readFile(fifo, 'utf8');
    },
  });
  expect(result.signalled).toBe(true);
  expect(result.exitCode, result.stdout + result.stderr).toBe(130);
  expect(result.stdout).toMatch(/DRILL_CANCELLED: the run was cancelled while its reports were written/);
  expect(xml).toMatch(/<testsuites[\s\S]*<\/testsuites>\s*$/);
  expect(result.stdout + result.stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)?(\n|$)/);
  expect(await serverProcessesUnder(result.tmp)).toEqual([]);
  expect(await leftovers(result.tmp)).toEqual([]);
});
