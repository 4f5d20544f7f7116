import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectRuntime, imageExists } from '../../../src/engines/docker/docker-runtime.js';
import type { DrillResult, RunResult } from '../../../src/index.js';
import { leftovers, runCli, type CliResult } from '../../support/backup-lab.js';
import { dockerEngineAvailability, pgdrillContainers, testImage } from '../../support/docker-support.js';
import { postgresOsUser } from '../../support/scratch-postgres.js';
import { docker as dockerCli } from './major-source.js';
import { ARCHIVE_UID, makePhysicalHistory, type PhysicalHistory } from './physical-major-source.js';

// Base backups (pg_basebackup -Ft and -Ft -z) and a WAL archive made by PostgreSQL 17 and 18 servers in
// containers of their images, restored on the docker engine to a restore point and to the end of the archive,
// with the recovery proof. The archive's files are 0600 and owned by the container's postgres uid.
const docker = await dockerEngineAvailability();
const runtime = docker.usable ? await connectRuntime() : undefined;

for (const major of [17, 18]) {
  const image = testImage(major);
  const present = runtime !== undefined && (await imageExists(runtime, image));
  const why = !docker.usable
    ? docker.reason
    : !present
      ? `the image ${image} is not built (scripts/build-images.sh --majors=${major}; tests never pull)`
      : '';
  const title = (name: string) => (why ? `${name} (skipped: ${why})` : name);

  describe.skipIf(why !== '')(
    title(`PostgreSQL ${major} base backups and WAL archive, recovered on the docker engine`),
    () => {
      let dir: string;
      let history: PhysicalHistory;
      let run: RunResult;
      let cli: CliResult;
      const byName = (name: string): DrillResult => run.drills.find((d) => d.name === name)!;

      beforeAll(async () => {
        dir = await mkdtemp(join(tmpdir(), `pgdrill-physical-${major}-`));
        await chmod(dir, 0o711);
        history = await makePhysicalHistory(image, join(dir, 'backups'), `physical-${major}`);
        const drill = (name: string, key: string, target: string | undefined, rows: number, wal = '') => `
  - name: ${name}
    source: { basebackup: { store: backups, database: shop, key: ${key}, wal: { prefix: ${history.wal}${wal} } } }${target ? `\n    target: ${target}` : ''}
    checks:
      - recovery: { reached: true }
      - rows: { table: public.orders, exact: ${rows} }`;
        const point = `{ name: ${history.restorePoint} }`;
        const file = join(dir, 'physical.yaml');
        await writeFile(
          file,
          `name: physical-${major}\nengine: { kind: docker, docker: { pull: never } }\nstorage: { backups: { filesystem: { root: backups } } }\ndrills:${[
            drill('tar-restore-point', history.tar, point, history.rowsAfterInsert),
            drill('tar-latest', history.tar, undefined, history.rowsAfterAccident),
            drill('tgz-restore-point', history.tgz, point, history.rowsAfterInsert),
            drill('tgz-latest', history.tgz, undefined, history.rowsAfterAccident),
            drill('tgz-time', history.tgz, `{ time: "${history.t1}" }`, history.rowsAfterInsert),
            // prefetch 0: nothing fetched ahead, each file fetched by pgdrill when the server asks (through the broker).
            drill('tar-latest-on-request', history.tar, undefined, history.rowsAfterAccident, ', prefetch: 0'),
          ].join('')}\n`,
        );
        // The built CLI, as a user runs it.
        const json = join(dir, 'physical.json');
        cli = await runCli(['run', file, '--engine', 'docker', '--json', json], {}, {}, dir);
        run = JSON.parse(
          await readFile(json, 'utf8').catch(() => {
            throw new Error(`pgdrill wrote no report (exit ${cli.exitCode}): ${cli.stdout}${cli.stderr}`);
          }),
        ) as RunResult;
      }, 1_200_000);

      afterAll(async () => {
        if (!dir) return;
        expect(await pgdrillContainers(dir)).toEqual([]);
        await rm(dir, { recursive: true, force: true });
      });

      test('the archive is what a containerised server leaves: 0600 files of another uid', async () => {
        const wal = join(dir, 'backups', 'wal');
        const first = (await readdir(wal)).sort()[0]!;
        const info = await stat(join(wal, first));
        expect(info.mode & 0o777).toBe(0o600);
        expect(info.uid).toBe(ARCHIVE_UID);
        expect(info.uid).not.toBe(postgresOsUser()?.uid);
      });

      test.each([
        'tar-restore-point',
        'tar-latest',
        'tgz-restore-point',
        'tgz-latest',
        'tgz-time',
        'tar-latest-on-request',
      ])(`%s: recovered in PostgreSQL ${major} with the rows of its target and the proof`, (name) => {
        const drill = byName(name);
        expect(drill.error, JSON.stringify(drill.error)).toBeUndefined();
        expect(drill.checks.map((c) => `${c.type}: ${c.status} ${c.message}`)).toEqual(
          drill.checks.map((c) => `${c.type}: passed ${c.message}`),
        );
        expect(drill.checks.map((c) => c.type)).toEqual(['recovery', 'rows']);
        expect(drill.engine).toMatchObject({ kind: 'docker', major, backupMajor: major, image });
        const recovery = drill.recovery!;
        expect(recovery.reached).toBe(true);
        expect(recovery.archive.missing).toEqual([]);
        expect(recovery.newTimeline).toBe(2);
        expect(recovery.segmentsRestored).toBeGreaterThan(0);
      });

      test('the run passes and leaves no container, server or file behind', async () => {
        expect(cli.exitCode, cli.stdout + cli.stderr).toBe(0);
        expect(await pgdrillContainers(cli.tmp)).toEqual([]);
        expect(await leftovers(cli.tmp)).toEqual([]);
      });

      // The kept container's WAL broker once kept pgdrill running after its report was written (once, on 17).
      if (major === 17)
        test('--keep-on-failure: a recovery that fails keeps its container and directory, and pgdrill exits', async () => {
          const file = join(dir, 'kept.yaml');
          await writeFile(
            file,
            `name: kept\nengine: { kind: docker, docker: { pull: never } }\nstorage: { backups: { filesystem: { root: backups } } }\ndrills:
  - name: no-such-point
    source: { basebackup: { store: backups, database: shop, key: ${history.tar}, wal: { prefix: ${history.wal} } } }
    target: { name: no_such_point }\n`,
          );
          const kept = await runCli(['run', file, '--engine', 'docker', '--keep-on-failure'], {}, {}, dir);
          const containers = await pgdrillContainers(kept.tmp);
          try {
            expect(kept.exitCode, kept.stdout + kept.stderr).toBe(1);
            expect(kept.stdout + kept.stderr).toContain('WAL_TARGET_NOT_REACHED');
            expect(kept.stdout + kept.stderr).toContain('kept for inspection at');
            expect(containers).toHaveLength(1);
          } finally {
            if (containers.length) await dockerCli(['rm', '-f', '-v', ...containers.map((c) => c.split(' ')[0]!)]);
            await rm(kept.tmp, { recursive: true, force: true });
          }
        }, 300_000);

      test('the stop record names the restore point and the time target; latest replays to the newest segment', () => {
        expect(byName('tar-restore-point').recovery!.stopRecord).toMatch(
          new RegExp(`recovery stopping at restore point "${history.restorePoint}"`),
        );
        expect(byName('tgz-restore-point').recovery!.stopRecord).toMatch(/at restore point/);
        expect(byName('tgz-time').recovery!.stopRecord).toMatch(
          /^recovery stopping before commit of transaction \d+, time /,
        );
        const latest = byName('tar-latest').recovery!;
        expect(latest.target).toMatch(/^latest/);
        expect(latest.lastCommitTime).toBeDefined();
      });
    },
  );
}
