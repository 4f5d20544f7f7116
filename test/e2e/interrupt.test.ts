import { execFile } from 'node:child_process';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { leftovers, serverProcessesUnder, startBackupLab, type BackupLab } from '../support/backup-lab.js';
import { dockerEngineAvailability, pgdrillContainers } from '../support/docker-support.js';

const docker = await dockerEngineAvailability();

// A restore big enough to be interrupted in the middle: pg_restore --jobs 2 on a downloaded archive.
let lab: BackupLab;

beforeAll(async () => {
  lab = await startBackupLab({
    extra: async ({ server, put }) => {
      await server.runClient('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'shop', '-c',
        "CREATE TABLE shop.events AS SELECT g AS id, md5(g::text) AS a, md5((g * 7)::text) AS b FROM generate_series(1, 3000000) g; ALTER TABLE shop.events ADD PRIMARY KEY (id)"]);
      await put('big/shop.dump', { format: 'custom', args: ['--compress=0'] });
    },
  });
}, 600_000);

afterAll(async () => {
  await lab?.close();
});

const pgRestoreRunningUnder = (tmp: string) =>
  new Promise<boolean>((resolve) => execFile('ps', ['-eo', 'args'], (_e, out) => resolve(out.split('\n').some((l) => l.includes('pg_restore') && l.includes(tmp)))));

// On the docker engine pg_restore runs inside the container; its command line still names the drill's
// directory, which is mounted at the same path.
const engines = [
  { engine: 'local', skip: '' },
  { engine: 'docker', skip: docker.usable ? '' : ` (skipped: ${docker.reason})` },
];
for (const { engine, skip } of engines) {
  test.skipIf(skip !== '')(`SIGINT in the middle of a restore leaves no server process, container or temp dir (${engine} engine)${skip}`, async () => {
    const file = await lab.writeSuite('big', `name: big\n${lab.storageYaml}drills:\n  - name: big\n    source: { pgdump: { store: lab, key: big/shop.dump, jobs: 2 } }\n`);
    let interruptedDuringRestore = false;
    const result = await lab.runCli(['run', file], {
      env: { PGDRILL_ENGINE: engine },
      interruptWhen: async (tmp) => (interruptedDuringRestore = await pgRestoreRunningUnder(tmp)),
    });
    expect(interruptedDuringRestore).toBe(true);
    expect(result.exitCode, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/SIGINT received/);
    expect(result.stdout).toMatch(/DRILL_CANCELLED/);
    expect(await serverProcessesUnder(result.tmp)).toEqual([]);
    expect(await leftovers(result.tmp)).toEqual([]);
    if (engine === 'docker') expect(await pgdrillContainers(result.tmp)).toEqual([]);
  });
}
