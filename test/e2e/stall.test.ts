import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunResult } from '../../src/results.js';
import { dockerEngineAvailability } from '../support/docker-support.js';
import { BUCKET, leftovers, serverProcessesUnder, startBackupLab, type BackupLab } from '../support/backup-lab.js';

// No silent stall: a restore that stops moving fails with RESTORE_STALLED (exit 3, <error>) after the
// suite's stallTimeout, far before the drill's timeout; one that moves, however slowly, is left alone.
let lab: BackupLab;
let cutTar: Buffer;

beforeAll(async () => {
  lab = await startBackupLab({
    extra: async ({ server, s3, put }) => {
      // A restore that hangs without reading, writing or saying anything: a plain dump whose SQL waits.
      const sql = await readFile(await put('stall/whole.sql', { format: 'plain' }), 'utf8');
      await s3.putObject(BUCKET, 'stall/hangs.sql', Buffer.from(sql.replace(/^SET /m, 'SELECT pg_sleep(3600);\nSET ')));
      // pg_restore -Ft on a tar cut in the middle spins forever instead of failing (ENVIRONMENT.md); read in
      // place from a directory store, pg_restore reads the file itself.
      const tar = await readFile(await put('stall/whole.tar', { format: 'tar' }));
      cutTar = tar.subarray(0, Math.floor(tar.length * 0.6));
      // One table big enough that loading it and building its index each outlast a short stall limit
      // without a single pg_restore line: only the growing files show the progress.
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
      await put('stall/big.dump', { format: 'custom', args: ['--compress=0'] });
    },
  });
  await mkdir(join(disk(), 'stall'), { recursive: true });
  await writeFile(join(disk(), 'stall', 'cut.tar'), cutTar);
}, 900_000);

const disk = () => join(lab.dir, 'disk');

afterAll(async () => {
  await lab?.close();
});

const processesUnder = (tmp: string, name: string) =>
  new Promise<string[]>((resolve) =>
    execFile('ps', ['-eo', 'pid,args'], (_e, out) =>
      resolve(out.split('\n').filter((l) => l.includes(name) && l.includes(tmp))),
    ),
  );

async function expectStalled(name: string, source: string, storage: string) {
  const file = await lab.writeSuite(
    name,
    `name: ${name}\n${storage}drills:\n  - name: d\n    timeout: 30m\n    stallTimeout: 4s\n    source: { ${source} }\n`,
  );
  const junit = join(lab.dir, `${name}.junit.xml`);
  const json = join(lab.dir, `${name}.json`);
  const started = Date.now();
  const result = await lab.runCli(['run', file, '--junit', junit, '--json', json]);
  const output = result.stdout + result.stderr;
  expect(result.exitCode, output).toBe(3);
  expect(output).toMatch(
    /RESTORE_STALLED: the restore made no progress for \d+\.\d s \(stall limit 4\.0 s\); last progress: .+, \d+\.\d s ago/,
  );
  expect(output).toMatch(/raise `stallTimeout`/);
  const xml = await readFile(junit, 'utf8');
  expect(xml).toMatch(/<error [^>]*RESTORE_STALLED/);
  expect(xml).not.toContain('<failure ');
  const drill = (JSON.parse(await readFile(json, 'utf8')) as RunResult).drills[0]!;
  expect(drill.status).toBe('error');
  expect(drill.error).toMatchObject({ code: 'RESTORE_STALLED', exitCode: 3 });
  // Long before the 30 minute timeout (the fixture's restore itself takes seconds).
  expect(Date.now() - started).toBeLessThan(10 * 60_000);
  expect(output).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n/);
  for (const tool of ['pg_restore', 'psql']) expect(await processesUnder(result.tmp, tool)).toEqual([]);
  expect(await serverProcessesUnder(result.tmp)).toEqual([]);
  expect(await leftovers(result.tmp)).toEqual([]);
}

test('a restore that hangs without reading, writing or reporting anything fails with RESTORE_STALLED, naming the step and the last progress', async () => {
  await expectStalled('stall-hangs', 'pgdump: { store: lab, database: shop, key: stall/hangs.sql }', lab.storageYaml);
});

// pg_restore -Ft spins forever on this file. The tar-end check recognises it as cut (the backup's fault) once
// the file has been read; should pg_restore spin before that, the stall limit ends it. Either way the drill
// ends within seconds, not at its 30 minute timeout, and never passes.
test('a tar dump cut in the middle, read in place, ends long before the timeout: DUMP_TRUNCATED or RESTORE_STALLED', async () => {
  const file = await lab.writeSuite(
    'stall-cut',
    `name: stall-cut\nstorage:\n  disk: { filesystem: { root: "${disk()}" } }\ndrills:\n  - name: d\n    timeout: 30m\n    stallTimeout: 4s\n    source: { pgdump: { store: disk, database: shop, key: stall/cut.tar } }\n`,
  );
  const started = Date.now();
  const result = await lab.runCli(['run', file]);
  const output = result.stdout + result.stderr;
  expect(Date.now() - started).toBeLessThan(10 * 60_000);
  expect(`${result.exitCode} ${/(DUMP_TRUNCATED|RESTORE_STALLED)/.exec(output)?.[1]}`, output).toMatch(
    /^(1 DUMP_TRUNCATED|3 RESTORE_STALLED)$/,
  );
  expect(await processesUnder(result.tmp, 'pg_restore')).toEqual([]);
  expect(await serverProcessesUnder(result.tmp)).toEqual([]);
  expect(await leftovers(result.tmp)).toEqual([]);
});

const docker = await dockerEngineAvailability();
for (const { engine, skip } of [
  { engine: 'local', skip: '' },
  // In a container the server's files are out of sight: its COPY and index build counters show the progress.
  { engine: 'docker', skip: docker.usable ? '' : ` (skipped: ${docker.reason})` },
]) {
  test.skipIf(skip !== '')(
    `a restore whose longest step is silent for longer than the stall limit passes (${engine} engine)${skip}`,
    async () => {
      // jobs: 2 restores from a downloaded file: pg_restore reads it itself, and prints nothing while it
      // loads shop.events or builds its primary key.
      const file = await lab.writeSuite(
        `stall-slow-${engine}`,
        `name: slow\n${lab.storageYaml}drills:\n  - name: big\n    stallTimeout: 2s\n    source: { pgdump: { store: lab, database: shop, key: stall/big.dump, jobs: 2 } }\n    checks:\n      - rows: { table: shop.events, exact: 3000000 }\n`,
      );
      const json = join(lab.dir, `stall-slow-${engine}.json`);
      const result = await lab.runCli(['run', file, '--json', json], { env: { PGDRILL_ENGINE: engine } });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      const drill = (JSON.parse(await readFile(json, 'utf8')) as RunResult).drills[0]!;
      // The restore outlasted the stall limit, most of it inside one silent COPY and index build.
      expect(drill.timings?.restoreSeconds ?? 0).toBeGreaterThan(2);
      expect(await leftovers(result.tmp)).toEqual([]);
    },
  );
}
