import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../src/demo/embedded-s3.js';
import { createFixtureDatabase, DEMO_DATABASE } from '../../src/demo/fixture-database.js';
import { makeDump } from '../../src/demo/make-dump.js';
import { makeBarmanCloudFixture, type BarmanCloudFixture } from '../../src/demo/physical/barman-cloud-fixture.js';
import { makePgbackrestFixture, type PgbackrestFixture } from '../../src/demo/physical/pgbackrest-fixture.js';
import { withS3Reader } from '../../src/demo/physical/fixture-s3.js';
import { createLocalEngine } from '../../src/engines/local/local-engine.js';
import type { RunResult } from '../../src/index.js';
import { runCli, snapshotBucket, writeSuiteIn } from '../support/backup-lab.js';

// `pgdrill init` against real backups in one embedded S3: a pg_dump prefix with dated names, an encrypted
// pgBackRest repository and a barman-cloud layout (the physical fixtures). Then inventory drills against the
// real pgBackRest repository and barman-cloud layout: freshness passing, and failing with a tight limit.
const BUCKET = 'physical';
const DAY = 86_400_000;
let s3: EmbeddedS3;
let dir: string;
let cipherPass: string;
let pgbackrest: PgbackrestFixture;
let barman: BarmanCloudFixture;
let env: Record<string, string>;
let before: string[];

const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { ...env, ...extra }, {}, dir);
const from = (prefix: string) => [
  '--from',
  `s3://${BUCKET}/${prefix}`,
  '--endpoint',
  s3.endpoint,
  '--ca-file',
  s3.caPath,
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-init-'));
  await chmod(dir, 0o711);
  s3 = await startEmbeddedS3();
  await s3.createBucket(BUCKET);
  cipherPass = randomBytes(18).toString('base64url');
  env = {
    ...s3.env(),
    LAB_CIPHER_PASS: cipherPass,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  {
    await using server = await createLocalEngine().start({ workDir: dir });
    await createFixtureDatabase(server);
    const dump = await makeDump(server, DEMO_DATABASE, { format: 'custom' }, join(dir, 'shop'));
    for (let daysAgo = 0; daysAgo < 3; daysAgo++)
      await s3.putFile(
        BUCKET,
        `dumps/shop-${new Date(Date.now() - daysAgo * DAY).toISOString().slice(0, 10)}.dump`,
        dump,
      );
  }
  pgbackrest = await makePgbackrestFixture({ s3, bucket: BUCKET, workDir: dir, cipherPass });
  barman = await makeBarmanCloudFixture({ s3, bucket: BUCKET, workDir: dir });
  before = await snapshotBucket(s3, BUCKET);
  // s3rver cannot page ListObjectsV2 past 1,000 keys on OpenSSL 3 and a repository holds more: the whole
  // bucket is also read from a copy on disk (the same layout a posix pgBackRest repository has).
  await withS3Reader(s3, async (reader) => {
    for (const o of await reader.list(BUCKET, '')) {
      const path = join(dir, 'mirror', o.key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, await reader.get(BUCKET, o.key));
    }
  });
}, 600_000);

afterAll(async () => {
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('pgdrill init --from', () => {
  test('a pg_dump prefix: dated custom-format dumps → a suite that validates and whose inventory drill passes', async () => {
    const out = join(dir, 'dumps.yaml');
    const init = await cli(['init', ...from('dumps/'), '--out', out]);
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stderr).toMatch(
      /pg_dump: 3 files matching \/\^dumps\/shop-\.\*\\\.dump\$\/, custom format, dated names; newest dumps\/shop-\d{4}-\d\d-\d\d\.dump/,
    );
    const yaml = await readFile(out, 'utf8');
    expect(yaml).toContain('orderBy: keyDate');
    expect(yaml).toContain('name: pgdump-dumps-inventory');
    expect(yaml).toContain('name: pgdump-dumps-restore');
    expect((await cli(['validate', out])).exitCode).toBe(0);
    const run = await cli(['run', out, '--only', 'pgdump-dumps-inventory']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
  });

  test('a pgBackRest repository: stanza, encryption and WAL recognised', async () => {
    const out = join(dir, 'pgbackrest.yaml');
    const init = await cli(['init', '--from', join(dir, 'mirror'), '--out', out]);
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stderr).toMatch(
      /pgBackRest: repository \/pgbackrest, stanza main, 2 backup sets, \d+ archived WAL segments, encrypted/,
    );
    const yaml = await readFile(out, 'utf8');
    expect(yaml).toContain('cipherPassEnv: PGBACKREST_CIPHER_PASS');
    expect(yaml).toContain('walMaxAge: 1h');
    expect(yaml).toContain(`root: ${join(dir, 'mirror')}`);
    expect((await cli(['validate', out])).exitCode).toBe(0);
  });

  test('a barman-cloud layout: server, backups and WAL recognised', async () => {
    const out = join(dir, 'barman.yaml');
    const init = await cli(['init', ...from('barman/'), '--out', out]);
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stderr).toContain(`barman-cloud: server ${barman.serverName} under barman/, 1 backup`);
    const yaml = await readFile(out, 'utf8');
    expect(yaml).toContain(`server: ${barman.serverName}`);
    expect((await cli(['validate', out])).exitCode).toBe(0);
  });

  test('the whole bucket (its copy on disk): every kind at once; without --out the suite goes to stdout', async () => {
    const init = await cli(['init', '--from', join(dir, 'mirror')]);
    expect(init.exitCode, init.stderr).toBe(0);
    // barman-cloud-restore reads S3 only: from a directory there is an inventory drill but no restore drill.
    for (const name of [
      'pgdump-dumps-inventory',
      'pgdump-dumps-restore',
      'pgbackrest-main-inventory',
      'pgbackrest-main-restore',
      `barman-${barman.serverName}-inventory`,
    ])
      expect(init.stdout).toContain(`name: ${name}`);
    expect(init.stderr).toContain('no restore drill: barman-cloud-restore reads S3 only');
    const file = await writeSuiteIn(dir, 'whole', init.stdout);
    expect((await cli(['validate', file])).exitCode).toBe(0);
  });

  test('never overwrites an existing file without --force', async () => {
    const out = join(dir, 'kept.yaml');
    await writeFile(out, 'mine\n');
    const refused = await cli(['init', ...from('barman/'), '--out', out]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`SUITE_EXISTS: ${out} already exists; pgdrill init did not touch it`);
    expect(await readFile(out, 'utf8')).toBe('mine\n');
    const forced = await cli(['init', ...from('barman/'), '--out', out, '--force']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(await readFile(out, 'utf8')).toContain('barmanCloud:');
  });

  test('a location with no backup says what it found', async () => {
    const init = await cli(['init', '--from', join(dir, 'nothing-here')]);
    expect(init.exitCode).toBe(3);
    expect(init.stderr).toContain('STORAGE_UNREACHABLE');
  });
});

describe('inventory drills against the real pgBackRest repository and barman-cloud layout', () => {
  let run: RunResult;
  beforeAll(async () => {
    const storage = `storage:\n  lab:\n    s3: { bucket: ${BUCKET}, endpoint: "${s3.endpoint}", forcePathStyle: true, caBundle: "${s3.caPath}" }\n`;
    const repo = 'pgbackrest: { store: lab, stanza: main, verifyTls: false, cipherPassEnv: LAB_CIPHER_PASS }';
    const bar = `barmanCloud: { store: lab, prefix: barman, server: ${barman.serverName} }`;
    const file = await writeSuiteIn(
      dir,
      'physical-inventory',
      `name: physical-inventory\n${storage}drills:
  - name: pgbackrest-fresh
    source: { ${repo} }
    checks:
      - freshness: { maxAge: 1h, walMaxAge: 1h }
      - size: { minRatio: 0.5, last: 7 }
  - name: pgbackrest-tight
    source: { ${repo} }
    checks:
      - freshness: { maxAge: 0s, walMaxAge: 0s }
  - name: barman-fresh
    source: { ${bar} }
    checks:
      - freshness: { maxAge: 1h, walMaxAge: 1h }
`,
    );
    const json = join(dir, 'physical-inventory.json');
    const result = await cli(['run', file, '--json', json]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(1);
    run = JSON.parse(await readFile(json, 'utf8')) as RunResult;
  }, 120_000);

  const drill = (name: string) => run.drills.find((d) => d.name === name)!;

  test('freshness and size pass on the fresh repository, from pgbackrest info and the archive listing', () => {
    const d = drill('pgbackrest-fresh');
    expect(d.error, JSON.stringify(d.error)).toBeUndefined();
    expect(d.checks.map((c) => `${c.type}: ${c.status}`)).toEqual(['freshness: passed', 'size: passed']);
    expect(d.checks[0]!.message).toContain(`the newest backup ${pgbackrest.incr} finished`);
    expect(d.checks[0]!.message).toMatch(/the newest archived WAL segment [0-9A-F]{24} was stored/);
    expect(d.steps.map((s) => s.name)).toEqual(['inventory']);
  });

  test('a tight limit fails freshness with the measured ages', () => {
    const [check] = drill('pgbackrest-tight').checks;
    expect(check!.status).toBe('failed');
    expect(check!.message).toContain(`the newest backup ${pgbackrest.incr} finished`);
    expect(check!.message).toContain('older than the limit of 0s');
    expect(check!.expected).toBe('newest backup younger than 0s; newest WAL younger than 0s');
  });

  test('barman-cloud freshness reads backup.info and the WAL listing', () => {
    const d = drill('barman-fresh');
    expect(d.error, JSON.stringify(d.error)).toBeUndefined();
    expect(d.checks[0]!.status).toBe('passed');
    expect(d.checks[0]!.message).toContain(`the newest backup ${barman.backupId} finished`);
  });

  test('nothing was written to the bucket', async () => {
    expect(await snapshotBucket(s3, BUCKET)).toEqual(before);
  });
});
