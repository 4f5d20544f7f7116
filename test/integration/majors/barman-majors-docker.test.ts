import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../../src/demo/embedded-s3.js';
import { connectRuntime, imageExists } from '../../../src/engines/docker/docker-runtime.js';
import type { DrillResult, RunResult } from '../../../src/index.js';
import { leftovers, runCli, type CliResult } from '../../support/backup-lab.js';
import { dockerEngineAvailability, pgdrillContainers, testImage } from '../../support/docker-support.js';
import { hasCommand } from '../../support/has-command.js';
import { makeBarmanMajorHistory, type BarmanMajorHistory } from './barman-major-source.js';

// barman-cloud backups of PostgreSQL 17 and 18 servers in containers of their images, made by this machine's
// barman-cloud (Debian 12's 3.4, which has no upper bound on the server version): barman-cloud-backup over TCP,
// WAL through barman-cloud-wal-archive, into the embedded S3 over HTTPS. Drilled on the docker engine to a
// restore point, a time and the end of the archive, with the recovery proof.
const docker = await dockerEngineAvailability();
const runtime = docker.usable ? await connectRuntime() : undefined;
const barmanTools = ['barman-cloud-backup', 'barman-cloud-wal-archive', 'barman-cloud-restore'];
const missingTool = barmanTools.find((tool) => !hasCommand(tool));
const BUCKET = 'barman-majors';
const PREFIX = 'cloud';

for (const major of [17, 18]) {
  const image = testImage(major);
  const present = runtime !== undefined && (await imageExists(runtime, image));
  const why = !docker.usable
    ? docker.reason
    : !present
      ? `the image ${image} is not built (scripts/build-images.sh --majors=${major}; tests never pull)`
      : missingTool
        ? `${missingTool} is not installed (apt-get install barman-cli-cloud)`
        : '';
  const title = (name: string) => (why ? `${name} (skipped: ${why})` : name);
  const server = `pg${major}`;

  describe.skipIf(why !== '')(
    title(`barman-cloud backups of PostgreSQL ${major}, drilled on the docker engine`),
    () => {
      let dir: string;
      let s3: EmbeddedS3;
      let history: BarmanMajorHistory;
      let run: RunResult;
      let cli: CliResult;
      const byName = (name: string): DrillResult => run.drills.find((d) => d.name === name)!;

      beforeAll(async () => {
        dir = await mkdtemp(join(tmpdir(), `pgdrill-barman-${major}-`));
        await chmod(dir, 0o711);
        s3 = await startEmbeddedS3();
        await s3.createBucket(BUCKET);
        history = await makeBarmanMajorHistory({
          image,
          s3,
          url: `s3://${BUCKET}/${PREFIX}`,
          server,
          dir: join(dir, 'source'),
          label: `barman-${major}`,
        });
        const drill = (name: string, target: string | undefined, rows: number) => `
  - name: ${name}
    source: { barmanCloud: { store: lab, prefix: ${PREFIX}, server: ${server}, database: shop } }${target ? `\n    target: ${target}` : ''}
    checks:
      - recovery: { reached: true }
      - rows: { table: public.orders, exact: ${rows} }`;
        const file = join(dir, 'barman.yaml');
        await writeFile(
          file,
          `name: barman-${major}
engine: { kind: docker, docker: { pull: never } }
storage:
  lab: { s3: { bucket: ${BUCKET}, endpoint: "${s3.endpoint}", forcePathStyle: true, caBundle: "${s3.caPath}" } }
drills:${[
            drill('restore-point', `{ name: ${history.restorePoint} }`, history.rowsAfterInsert),
            drill('time', `{ time: "${history.t1}" }`, history.rowsAfterInsert),
            drill('latest', undefined, history.rowsAfterAccident),
          ].join('')}\n`,
        );
        const json = join(dir, 'barman.json');
        cli = await runCli(['run', file, '--engine', 'docker', '--json', json], s3.env(), {}, dir);
        run = JSON.parse(
          await readFile(json, 'utf8').catch(() => {
            throw new Error(`pgdrill wrote no report (exit ${cli.exitCode}): ${cli.stdout}${cli.stderr}`);
          }),
        ) as RunResult;
      }, 1_200_000);

      afterAll(async () => {
        await s3?.stop();
        if (dir) await rm(dir, { recursive: true, force: true });
      });

      test(`barman-cloud 3.4 backed up PostgreSQL ${major}: its backup.info names the major, WAL uploaded`, () => {
        expect(Math.floor(history.version / 10000)).toBe(major);
        expect(history.uploaded.length).toBeGreaterThan(2);
      });

      test.each(['restore-point', 'time', 'latest'])(
        `%s: restored with barman-cloud-restore into PostgreSQL ${major}, WAL replayed, rows and the proof`,
        (name) => {
          const drill = byName(name);
          expect(drill.error, JSON.stringify(drill.error)).toBeUndefined();
          expect(drill.checks.map((c) => `${c.type}: ${c.status} ${c.message}`)).toEqual(
            drill.checks.map((c) => `${c.type}: passed ${c.message}`),
          );
          expect(drill.checks.map((c) => c.type)).toEqual(['recovery', 'rows']);
          expect(drill.engine).toMatchObject({ kind: 'docker', major, backupMajor: major, image });
          expect(drill.backup?.[0]).toMatchObject({ format: 'barman-cloud', backupId: history.backupId });
          const recovery = drill.recovery!;
          expect(recovery.reached).toBe(true);
          expect(recovery.archive.missing).toEqual([]);
          expect(recovery.newTimeline).toBe(2);
          expect(recovery.segmentsRestored).toBeGreaterThan(0);
        },
      );

      test('the stop record names the restore point and the time; latest replays to the last commit', () => {
        expect(byName('restore-point').recovery!.stopRecord).toMatch(
          new RegExp(`recovery stopping at restore point "${history.restorePoint}"`),
        );
        expect(byName('time').recovery!.stopRecord).toMatch(
          /^recovery stopping before commit of transaction \d+, time /,
        );
        const latest = byName('latest').recovery!;
        expect(latest.target).toMatch(/^latest/);
        expect(latest.lastCommitTime).toBeDefined();
      });

      test('the run passes and leaves no container, server or file behind', async () => {
        expect(cli.exitCode, cli.stdout + cli.stderr).toBe(0);
        expect(await pgdrillContainers(cli.tmp)).toEqual([]);
        expect(await leftovers(cli.tmp)).toEqual([]);
      });
    },
  );
}
