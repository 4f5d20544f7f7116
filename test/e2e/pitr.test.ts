import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { deleteArchivedSegment, listArchivedWal } from '../../src/demo/physical/archived-wal.js';
import { corruptRepositoryFile } from '../../src/demo/physical/corrupt-repository.js';
import type { RunResult } from '../../src/index.js';
import { leftovers, serverProcessesUnder, snapshotBucket } from '../support/backup-lab.js';
import { PHYSICAL_BUCKET, readJson, startPhysicalLab, type PhysicalLab } from '../support/physical-lab.js';
import { dockerEngineAvailability, pgdrillContainers, testImage } from '../support/docker-support.js';
import { reportValidator } from '../unit/report/report-validator.js';

const docker = await dockerEngineAvailability();
const dockerSkip = docker.usable ? '' : ` (skipped: ${docker.reason})`;

// Point-in-time recovery through the built CLI, from real pgBackRest, base backup + WAL and barman-cloud
// backups of one scripted history: rows at the backup, T1 inserts rows, a restore point, T2 deletes half.
let lab: PhysicalLab;
let run: RunResult;
let cli: { exitCode: number; stdout: string; stderr: string; tmp: string };
let before: string[];
let dockerCli: typeof cli | undefined;
let dockerRun: RunResult | undefined;

// verifyTls: false because pgBackRest matches certificates by DNS name and the test server's is for 127.0.0.1.
const pgbackrest = (extra: string) =>
  `pgbackrest: { store: lab, stanza: main, database: shop, verifyTls: false, cipherPassEnv: LAB_CIPHER_PASS${extra} }`;
const drill = (name: string, source: string, target: string | undefined, rows: number) => `
  - name: ${name}
    source: { ${source} }${target ? `\n    target: ${target}` : ''}
    checks:
      - rows: { table: shop.orders, exact: ${rows} }`;

beforeAll(async () => {
  lab = await startPhysicalLab();
  const h = lab.pgbackrest.history;
  const full = `, set: ${lab.pgbackrest.full}`;
  const b = lab.basebackup;
  const bh = b.history;
  const m = lab.barman.history;
  const yaml = `name: pitr\nobjectives: { rto: 30m, rpo: 7d }\n${lab.storageYaml}drills:${[
    drill('pgbackrest-latest', pgbackrest(''), undefined, h.rowsAfterAccident),
    drill('pgbackrest-time', pgbackrest(full), `{ time: "${h.t1.time}" }`, h.rowsAfterInsert),
    drill('pgbackrest-xid', pgbackrest(full), `{ xid: "${h.t1.xid}" }`, h.rowsAfterInsert),
    drill('pgbackrest-lsn', pgbackrest(full), `{ lsn: "${h.t1.lsn}" }`, h.rowsAfterInsert),
    drill('pgbackrest-name', pgbackrest(full), `{ name: ${h.restorePoint} }`, h.rowsAfterInsert),
    drill('pgbackrest-immediate', pgbackrest(full), '{ immediate: true }', h.rowsAtBackup),
    drill(
      'basebackup-latest',
      `basebackup: { store: lab, key: ${b.prefix}, database: shop, wal: { prefix: wal/ } }`,
      undefined,
      bh.rowsAfterAccident,
    ),
    drill(
      'basebackup-gz-time',
      `basebackup: { store: lab, prefix: basebackup/, database: shop, wal: { prefix: wal-gz/ } }`,
      `{ time: "${bh.t1.time}" }`,
      bh.rowsAfterInsert,
    ),
    drill(
      'barman-latest',
      `barmanCloud: { store: lab, prefix: barman, server: ${lab.barman.serverName}, database: shop }`,
      undefined,
      m.rowsAfterAccident,
    ),
    drill(
      'barman-name',
      `barmanCloud: { store: lab, prefix: barman, server: ${lab.barman.serverName}, database: shop }`,
      `{ name: ${m.restorePoint} }`,
      m.rowsAfterInsert,
    ),
  ].join('')}\n`;
  const file = await lab.writeSuite('pitr', yaml);
  before = await snapshotBucket(lab.s3, PHYSICAL_BUCKET);
  cli = await lab.runCli(['run', file, '--json', join(lab.dir, 'pitr.json'), '--junit', join(lab.dir, 'pitr.xml')]);
  run = await readJson<RunResult>(join(lab.dir, 'pitr.json'));
  if (docker.usable) {
    dockerCli = await lab.runCli(['run', file, '--json', join(lab.dir, 'pitr-docker.json')], {
      PGDRILL_ENGINE: 'docker',
    });
    dockerRun = await readJson<RunResult>(join(lab.dir, 'pitr-docker.json'));
  }
}, 1_200_000);

afterAll(async () => {
  await lab?.close();
});

const byName = (name: string) => run.drills.find((d) => d.name === name)!;

describe('PITR drills recover exactly the rows committed before the target', () => {
  test.each([
    'pgbackrest-latest',
    'pgbackrest-time',
    'pgbackrest-xid',
    'pgbackrest-lsn',
    'pgbackrest-name',
    'pgbackrest-immediate',
    'basebackup-latest',
    'basebackup-gz-time',
    'barman-latest',
    'barman-name',
  ])('%s', (name) => {
    const d = byName(name);
    expect(d.error, JSON.stringify(d.error)).toBeUndefined();
    expect(d.checks.map((c) => `${c.name}: ${c.status} ${c.message}`)).toEqual(
      d.checks.map((c) => `${c.name}: passed ${c.message}`),
    );
    expect(d.checks.map((c) => c.type)).toEqual(['recovery', 'rows']);
    expect(d.recovery!.reached).toBe(true);
  });

  test('the recovery report carries the stop record, the last commit and the archive coverage', () => {
    const time = byName('pgbackrest-time').recovery!;
    expect(time.stopRecord).toMatch(/^recovery stopping (before|after) commit of transaction \d+, time /);
    expect(time.newTimeline).toBe(2);
    expect(time.segmentsRestored).toBeGreaterThan(0);
    expect(time.archive.missing).toEqual([]);
    expect(byName('pgbackrest-name').recovery!.stopRecord).toMatch(
      /recovery stopping at restore point "before_accident"/,
    );
    expect(byName('pgbackrest-immediate').recovery!.stopRecord).toBe('recovery stopping after reaching consistency');
    expect(byName('barman-latest').recovery!.rpoSeconds).toBeGreaterThanOrEqual(0);
  });

  test('the JSON report of the physical drills validates against its schema and carries the recovery proof', async () => {
    expect(reportValidator()(run), JSON.stringify(reportValidator()(run))).toEqual([]);
    const report = run as unknown as {
      drills: Array<{ name: string; recovery?: { segmentsRestored: number }; objectives: { rpo: { basis?: string } } }>;
    };
    const time = report.drills.find((d) => d.name === 'pgbackrest-time')!;
    expect(time.recovery!.segmentsRestored).toBeGreaterThan(0);
    expect(time.objectives.rpo.basis).toBe('recovery target (or end of archive) minus the last replayed commit');
  });

  test('the whole run passes, leaves nothing behind, and never writes to the bucket', async () => {
    expect(cli.exitCode, cli.stdout + cli.stderr).toBe(0);
    expect(await snapshotBucket(lab.s3, PHYSICAL_BUCKET)).toEqual(before);
    expect(await serverProcessesUnder(cli.tmp)).toEqual([]);
    expect(await leftovers(cli.tmp)).toEqual([]);
  });
});

// The restore runs on this machine's tools, the server in a container of the backup's major; WAL reaches
// it through the broker. The verdicts must be the local engine's, drill for drill.
describe.skipIf(!docker.usable)(`PITR drills on the docker engine${dockerSkip}`, () => {
  test("every drill has the local engine's verdict, rows and stop record", () => {
    expect(dockerCli!.exitCode, dockerCli!.stdout + dockerCli!.stderr).toBe(0);
    expect(dockerCli!.stderr).toContain('on the docker engine');
    const summary = (r: RunResult) =>
      r.drills.map((d) => ({
        name: d.name,
        status: d.status,
        checks: d.checks.map((c) => `${c.name}: ${c.status} ${c.actual ?? ''}`),
        stop: d.recovery?.stopRecord?.replace(/, time .*$/, ''),
      }));
    expect(summary(dockerRun!)).toEqual(summary(run));
    expect(
      dockerRun!.drills.every((d) => d.engine?.kind === 'docker' && d.engine.image === testImage(d.engine.major)),
    ).toBe(true);
    expect(dockerRun!.drills.find((d) => d.name === 'pgbackrest-time')!.recovery!.segmentsRestored).toBeGreaterThan(0);
  });

  test('no container, server process or file is left, and the bucket is unchanged', async () => {
    expect(await pgdrillContainers(dockerCli!.tmp)).toEqual([]);
    expect(await serverProcessesUnder(dockerCli!.tmp)).toEqual([]);
    expect(await leftovers(dockerCli!.tmp)).toEqual([]);
    expect(await snapshotBucket(lab.s3, PHYSICAL_BUCKET)).toEqual(before);
  });

  test('a target after the end of the archive fails as on the local engine', async () => {
    const file = await lab.writeSuite(
      'beyond-docker',
      `name: beyond-docker\n${lab.storageYaml}drills:${drill('beyond-docker', pgbackrest(''), '{ time: "2099-01-01 00:00:00+00" }', 1)}\n`,
    );
    const r = await lab.runCli(['run', file], { PGDRILL_ENGINE: 'docker' });
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(
      /WAL_TARGET_NOT_REACHED: recovery ended before reaching time 2099-01-01 00:00:00\+00/,
    );
    expect(await pgdrillContainers(r.tmp)).toEqual([]);
    expect(await leftovers(r.tmp)).toEqual([]);
  });
});

describe('PITR failures end with the cause, the exit code, JUnit and nothing left behind', () => {
  const failing = async (
    name: string,
    source: string,
    target: string | undefined,
    env: Record<string, string> = {},
  ) => {
    const file = await lab.writeSuite(
      name,
      `name: ${name}\n${lab.storageYaml}drills:${drill(name, source, target, 1)}\n`,
    );
    const junit = join(lab.dir, `${name}.xml`);
    const result = await lab.runCli(['run', file, '--junit', junit], env);
    expect(await serverProcessesUnder(result.tmp)).toEqual([]);
    expect(await leftovers(result.tmp)).toEqual([]);
    return {
      ...result,
      output: result.stdout + result.stderr,
      junit: await import('node:fs/promises').then((fs) => fs.readFile(junit, 'utf8')),
    };
  };

  test('a target after the end of the archive', async () => {
    const r = await failing('beyond-archive', pgbackrest(''), '{ time: "2099-01-01 00:00:00+00" }');
    expect(r.exitCode, r.output).toBe(1);
    expect(r.output).toMatch(
      /WAL_TARGET_NOT_REACHED: recovery ended before reaching time 2099-01-01 00:00:00\+00: the archive holds \d+ segments? from the backup on \([0-9A-F]{24} … [0-9A-F]{24}, newest archived/,
    );
    expect(r.junit).toContain('<failure ');
  });

  test('a target before the backup set', async () => {
    const r = await failing('before-backup', pgbackrest(''), `{ time: "${lab.pgbackrest.history.t1.time}" }`);
    expect(r.exitCode, r.output).toBe(1);
    expect(r.output).toMatch(/TARGET_BEFORE_BACKUP|WAL_TARGET_NOT_REACHED/);
  });

  test('a wrong cipher pass', async () => {
    const r = await failing('wrong-pass', pgbackrest(''), undefined, { LAB_CIPHER_PASS: 'not-the-pass' });
    expect(r.exitCode, r.output).toBe(1);
    expect(r.output).toMatch(
      /DECRYPT_FAILED: pgBackRest could not decrypt pgBackRest stanza main .* with the pass in LAB_CIPHER_PASS/,
    );
    expect(r.output).not.toContain(lab.cipherPass);
    expect(r.junit).toContain('<failure ');
  });

  test('a deleted WAL segment is found up front, naming it', async () => {
    const wal = { bucket: PHYSICAL_BUCKET, prefix: 'wal/' };
    const segments = await listArchivedWal(lab.s3, wal);
    const victim = segments.at(-2)!.segment;
    await deleteArchivedSegment(lab.s3, wal, victim);
    const b = lab.basebackup;
    const r = await failing(
      'wal-gap',
      `basebackup: { store: lab, key: ${b.prefix}, database: shop, wal: { prefix: wal/ } }`,
      undefined,
    );
    expect(r.exitCode, r.output).toBe(1);
    expect(r.output).toMatch(new RegExp(`WAL_GAP: the WAL archive lacks segment ${victim} between the backup's start`));
    expect(r.junit).toContain('<failure ');
  });

  test('a corrupted file in the repository', async () => {
    const corrupted = await corruptRepositoryFile({
      s3: lab.s3,
      repo: lab.pgbackrest.repo,
      label: lab.pgbackrest.full,
    });
    const r = await failing('corrupt-repo', pgbackrest(`, set: ${lab.pgbackrest.full}`), undefined);
    expect(r.exitCode, r.output).toBe(1);
    expect(r.output).toMatch(/REPOSITORY_DAMAGED|PGBACKREST_FAILED/);
    expect(corrupted.key).toMatch(/pg_data/);
    expect(r.junit).toContain('<failure ');
  }, 180_000);
});
