import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../../src/demo/embedded-s3.js';
import { createDockerEngine } from '../../../src/engines/docker/docker-engine.js';
import { connectRuntime, imageExists } from '../../../src/engines/docker/docker-runtime.js';
import { startContainerPgbackrest } from '../../../src/sources/pgbackrest/pgbackrest-container.js';
import type { DrillResult, RunResult } from '../../../src/index.js';
import { leftovers, runCli, type CliResult } from '../../support/backup-lab.js';
import { dockerEngineAvailability, pgdrillContainers, testImage } from '../../support/docker-support.js';
import { postgresOsUser } from '../../support/scratch-postgres.js';
import {
  hostPgbackrestVersion,
  parsePgbackrestVersion,
  pgbackrestHandlesMajor,
} from '../../../src/sources/pgbackrest/pgbackrest-support.js';
import { docker as dockerCli } from './major-source.js';
import { makePgbackrestHistory, type PgbackrestHistory } from './pgbackrest-major-source.js';
import { ARCHIVE_UID } from './physical-major-source.js';

// pgBackRest backups of PostgreSQL 17 and 18 made by the pgBackRest of their images (2.55, 2.60), which this
// machine's pgBackRest (Debian 12: 2.45) refuses to restore: on the docker engine pgdrill runs the image's
// pgBackRest in a container of the backup's major for restore and archive-get, from a directory and from S3.
const docker = await dockerEngineAvailability();
const runtime = docker.usable ? await connectRuntime() : undefined;
const BUCKET = 'pgbackrest-majors';
const hostPgbackrest = await hostPgbackrestVersion();
const hostVersion = hostPgbackrest ? parsePgbackrestVersion(hostPgbackrest) : undefined;

for (const major of [17, 18]) {
  const image = testImage(major);
  const present = runtime !== undefined && (await imageExists(runtime, image));
  const why = !docker.usable
    ? docker.reason
    : !present
      ? `the image ${image} is not built (scripts/build-images.sh --majors=${major}; tests never pull)`
      : '';
  const title = (name: string) => (why ? `${name} (skipped: ${why})` : name);

  describe.skipIf(why !== '')(title(`PostgreSQL ${major} pgBackRest backups, restored on the docker engine`), () => {
    let dir: string;
    let s3: EmbeddedS3;
    let history: PgbackrestHistory;
    // An encrypted repository (17 only, to keep the run short): the cipher pass must reach pgBackRest in its container.
    const encrypted = major === 17;
    const cipherPass = `pass-${randomBytes(12).toString('base64url')}`;
    let run: RunResult;
    let cli: CliResult;
    const byName = (name: string): DrillResult => run.drills.find((d) => d.name === name)!;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), `pgdrill-pgbackrest-${major}-`));
      await chmod(dir, 0o711);
      history = await makePgbackrestHistory(image, join(dir, 'backups'), `pgbackrest-${major}`);
      if (encrypted) await makePgbackrestHistory(image, join(dir, 'encrypted'), `pgbackrest-${major}-enc`, cipherPass);
      // The same repository in S3: pgBackRest's S3 layout is its directory layout under repo1-path.
      s3 = await startEmbeddedS3();
      await s3.createBucket(BUCKET);
      const repo = join(dir, 'backups', 'pgbackrest');
      for (const file of await regularFiles(repo)) await s3.putFile(BUCKET, `pgbackrest/${relative(repo, file)}`, file);
      const source = (store: string, extra = '') =>
        `{ pgbackrest: { store: ${store}, path: ${history.path}, stanza: ${history.stanza}, database: shop${extra} } }`;
      const drill = (name: string, src: string, target: string | undefined, rows: number) => `
  - name: ${name}
    source: ${src}${target ? `\n    target: ${target}` : ''}
    checks:
      - recovery: { reached: true }
      - rows: { table: public.orders, exact: ${rows} }`;
      const file = join(dir, 'pgbackrest.yaml');
      await writeFile(
        file,
        `name: pgbackrest-${major}
engine: { kind: docker, docker: { pull: never } }
storage:
  backups: { filesystem: { root: backups } }
  encrypted: { filesystem: { root: encrypted } }
  s3: { s3: { bucket: ${BUCKET}, endpoint: "${s3.endpoint}", forcePathStyle: true, caBundle: "${s3.caPath}" } }
drills:${[
          drill('restore-point', source('backups'), `{ name: ${history.restorePoint} }`, history.rowsAfterInsert),
          drill('latest', source('backups'), undefined, history.rowsAfterAccident),
          drill('time', source('backups'), `{ time: "${history.t1}" }`, history.rowsAfterInsert),
          // archive-get for each segment PostgreSQL asks for, without the async queue.
          drill('latest-on-request', source('backups', ', prefetch: 0'), undefined, history.rowsAfterAccident),
          drill(
            's3-restore-point',
            source('s3', ', verifyTls: false'),
            `{ name: ${history.restorePoint} }`,
            history.rowsAfterInsert,
          ),
          ...(encrypted
            ? [
                drill(
                  'encrypted-latest',
                  source('encrypted', ', cipherPassEnv: REPO_CIPHER_PASS'),
                  undefined,
                  history.rowsAfterAccident,
                ),
              ]
            : []),
        ].join('')}\n`,
      );
      const json = join(dir, 'pgbackrest.json');
      const env = { ...s3.env(), REPO_CIPHER_PASS: cipherPass };
      cli = await runCli(['run', file, '--engine', 'docker', '--json', json], env, {}, dir);
      run = JSON.parse(
        await readFile(json, 'utf8').catch(() => {
          throw new Error(`pgdrill wrote no report (exit ${cli.exitCode}): ${cli.stdout}${cli.stderr}`);
        }),
      ) as RunResult;
    }, 1_200_000);

    afterAll(async () => {
      await s3?.stop();
      if (!dir) return;
      expect(await pgdrillContainers(dir)).toEqual([]);
      await rm(dir, { recursive: true, force: true });
    });

    test('the repository is what a containerised pgBackRest leaves: 0640 files of another uid', async () => {
      const info = await stat(join(dir, 'backups', 'pgbackrest', 'backup', history.stanza, 'backup.info'));
      expect(info.mode & 0o777).toBe(0o640);
      expect(info.uid).toBe(ARCHIVE_UID);
      expect(info.uid).not.toBe(postgresOsUser()?.uid);
    });

    test.each([
      'restore-point',
      'latest',
      'time',
      'latest-on-request',
      's3-restore-point',
      ...(encrypted ? ['encrypted-latest'] : []),
    ])(
      `%s: restored by the image's pgBackRest into PostgreSQL ${major} with the rows of its target and the proof`,
      (name) => {
        const drill = byName(name);
        expect(drill.error, JSON.stringify(drill.error)).toBeUndefined();
        expect(drill.checks.map((c) => `${c.type}: ${c.status} ${c.message}`)).toEqual(
          drill.checks.map((c) => `${c.type}: passed ${c.message}`),
        );
        expect(drill.engine).toMatchObject({ kind: 'docker', major, backupMajor: major, image });
        expect(drill.backup?.[0]).toMatchObject({
          format: 'pgbackrest',
          producedBy: history.madeBy,
          restoredWith: `${history.madeBy} in ${image}`,
        });
        const recovery = drill.recovery!;
        expect(recovery.reached).toBe(true);
        expect(recovery.archive.missing).toEqual([]);
        expect(recovery.newTimeline).toBe(2);
        expect(recovery.segmentsRestored).toBeGreaterThan(0);
      },
    );

    test('the stop record names the restore point and the time; latest replays to the newest segment', () => {
      expect(byName('restore-point').recovery!.stopRecord).toMatch(
        new RegExp(`recovery stopping at restore point "${history.restorePoint}"`),
      );
      expect(byName('s3-restore-point').recovery!.stopRecord).toMatch(/at restore point/);
      expect(byName('time').recovery!.stopRecord).toMatch(/^recovery stopping before commit of transaction \d+, time /);
      expect(byName('latest').recovery!.target).toMatch(/^latest/);
    });

    test('the run passes and leaves no container, server or file behind', async () => {
      expect(cli.exitCode, cli.stdout + cli.stderr).toBe(0);
      expect(JSON.stringify(run) + cli.stdout + cli.stderr).not.toContain(cipherPass);
      expect(await pgdrillContainers(cli.tmp)).toEqual([]);
      expect(await leftovers(cli.tmp)).toEqual([]);
    });

    test('secrets reach pgBackRest through its 0600 config file: neither argv nor the container configuration', async () => {
      const scratch = await mkdtemp(join(dir, 'secrets-'));
      const target = { dataDir: join(scratch, 'data'), scratchDir: join(scratch, 'scratch') };
      for (const d of [target.dataDir, target.scratchDir]) await mkdir(d, { mode: 0o700 });
      const secret = `secret-${randomBytes(8).toString('hex')}`;
      const pass = `pass-${randomBytes(8).toString('hex')}`;
      const engine = createDockerEngine({ pull: 'never' });
      const pgbackrest = await startContainerPgbackrest({
        start: (request) => engine.toolContainer(request),
        major,
        target,
        workDir: scratch,
        env: { PGBACKREST_REPO1_S3_KEY_SECRET: secret, PGBACKREST_REPO1_CIPHER_PASS: pass },
        network: 'none',
        readPaths: [],
      });
      try {
        const id = pgbackrest.exec.args[2]!;
        const inspect = await dockerCli(['inspect', id]);
        expect(inspect).toContain('org.pgdrill.owner');
        expect(inspect).not.toContain(secret);
        expect(inspect).not.toContain(pass);
        expect(pgbackrest.exec.args.join(' ')).not.toContain(secret);
        const config = await stat(pgbackrest.configFile);
        expect(config.mode & 0o777).toBe(0o600);
        expect(await readFile(pgbackrest.configFile, 'utf8')).toBe(
          `[global]\nrepo1-s3-key-secret=${secret}\nrepo1-cipher-pass=${pass}\n`,
        );
      } finally {
        await pgbackrest.container[Symbol.asyncDispose]();
        await rm(scratch, { recursive: true, force: true });
      }
      expect(await pgdrillContainers(scratch)).toEqual([]);
    });

    const tooOld = hostVersion !== undefined && !pgbackrestHandlesMajor(hostVersion, major);
    test.skipIf(!tooOld)(
      tooOld
        ? `the local engine refuses the backup before restoring anything: ${hostPgbackrest} does not restore ${major}`
        : `the local engine refuses a backup this machine's pgBackRest cannot restore (skipped: ${hostPgbackrest ?? 'no pgBackRest here'} restores ${major})`,
      async () => {
        const file = join(dir, 'local.yaml');
        await writeFile(
          file,
          `name: local\nstorage: { backups: { filesystem: { root: backups } } }\ndrills:
  - name: on-local
    source: { pgbackrest: { store: backups, path: ${history.path}, stanza: ${history.stanza}, database: shop } }\n`,
        );
        const local = await runCli(['run', file, '--engine', 'local'], {}, {}, dir);
        expect(local.exitCode, local.stdout + local.stderr).toBe(3);
        expect(local.stdout + local.stderr).toContain('PGBACKREST_TOO_OLD');
        expect(await leftovers(local.tmp)).toEqual([]);
      },
    );
  });
}

async function regularFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
