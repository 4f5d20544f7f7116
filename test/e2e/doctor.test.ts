import { chmod, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../src/demo/embedded-s3.js';
import { makeDump } from '../../src/demo/make-dump.js';
import { connectRuntime, imageExists } from '../../src/engines/docker/docker-runtime.js';
import { createLocalEngine } from '../../src/engines/local/local-engine.js';
import { runCli, writeSuiteIn, type CliResult } from '../support/backup-lab.js';
import { dockerEngineAvailability, testImage } from '../support/docker-support.js';

// `pgdrill doctor <suite>` against real stores: a directory and the embedded S3 server (HTTPS), holding a
// real pg_dump archive of PostgreSQL 15. Nothing is restored and no server is started by the preflight.
const BUCKET = 'doctor-backups';
const KEY_SECRET = 'doctor-passphrase-never-printed';
let dir: string;
let s3: EmbeddedS3;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-doctor-e2e-'));
  await chmod(dir, 0o711);
  s3 = await startEmbeddedS3({ dir });
  await s3.createBucket(BUCKET);
  const backups = join(dir, 'backups', 'daily');
  await mkdir(backups, { recursive: true });
  {
    await using server = await createLocalEngine().start({ workDir: dir });
    const dump = await makeDump(server, 'postgres', { format: 'custom' }, join(dir, 'shop.dump'));
    await copyFile(dump, join(backups, 'shop.dump'));
    await s3.putFile(BUCKET, 'daily/shop-2026-12-01.dump', dump);
  }
  env = {
    ...s3.env(),
    AWS_EC2_METADATA_DISABLED: 'true',
    DOCTOR_BUCKET: BUCKET,
    DOCTOR_KEY: KEY_SECRET,
  };
});

afterAll(async () => {
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const s3Store = (bucket: string) =>
  `{ s3: { bucket: "${bucket}", endpoint: "${s3.endpoint}", forcePathStyle: true, caBundle: "${s3.caPath}" } }`;
const doctor = async (
  suite: string,
  extraEnv: Record<string, string> = {},
  args: string[] = [],
): Promise<CliResult> => {
  const result = await runCli(['doctor', suite, ...args], { ...env, ...extraEnv }, {}, dir);
  await rm(result.tmp, { recursive: true, force: true });
  return result;
};
const lines = (out: string, status: 'OK' | 'FAIL' | 'SKIP') =>
  out.split('\n').filter((l) => l.trimStart().startsWith(`${status} `) || l.trimStart().startsWith(`${status}  `));

test('a good suite (a directory and S3) passes: exit 0, an OK line for every env var, store, backup, engine and tool', async () => {
  const suite = await writeSuiteIn(
    dir,
    'good',
    `name: good
storage:
  disk: { filesystem: { root: ./backups } }
  lab: ${s3Store('${DOCTOR_BUCKET}')}
drills:
  - name: from-disk
    source: { pgdump: { store: disk, key: daily/shop.dump } }
    checks: [ { sequences: {} } ]
  - name: from-s3
    source: { pgdump: { store: lab, prefix: daily/ } }
    checks: [ { sequences: {} } ]
`,
  );
  const result = await doctor(suite);
  expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  const out = result.stdout;
  expect(lines(out, 'FAIL')).toEqual([]);
  expect(out).toMatch(/^good\/from-disk$/m);
  expect(out).toMatch(/^ {2}OK {3}store disk: .*backups answers \(readable\)$/m);
  expect(out).toMatch(/^ {2}OK {3}backup: found in .*backups: daily\/shop\.dump \(.*\); written by pg_dump 15$/m);
  expect(out).toMatch(/^ {2}OK {3}engine: local: PostgreSQL 15\.\d+ in \S+ \(the backup is PostgreSQL 15\)$/m);
  expect(out).toMatch(/^good\/from-s3$/m);
  expect(out).toMatch(/^ {2}OK {3}env DOCTOR_BUCKET: set \(storage\.lab\.s3\.bucket\)$/m);
  expect(out).toMatch(
    /^ {2}OK {3}store lab: s3:\/\/doctor-backups\/ .*answers \(credentials accepted, bucket lists\)$/m,
  );
  expect(out).toMatch(/^ {2}OK {3}backup: found in s3:\/\/doctor-backups\/.*: daily\/shop-2026-12-01\.dump/m);
  expect(out).toMatch(/doctor: 2 drills: \d+ OK, 0 FAIL, 0 not checked — ready to run/);
  // Nothing was started, so nothing was left behind in the run's TMPDIR.
  const json = await doctor(suite, {}, ['--json']);
  expect(json.exitCode).toBe(0);
  const parsed = JSON.parse(json.stdout) as {
    exitCode: number;
    groups: Array<{ drill?: string; findings: unknown[] }>;
  };
  expect(parsed.exitCode).toBe(0);
  expect(parsed.groups.map((g) => g.drill)).toEqual([undefined, 'from-disk', 'from-s3']);
});

test('everything a run would miss is named at once, exit 3: unset variables, a missing bucket, a missing key', async () => {
  const suite = await writeSuiteIn(
    dir,
    'bad',
    `name: bad
storage:
  lab: ${s3Store(BUCKET)}
  nobucket: ${s3Store('no-such-bucket')}
  unset: ${s3Store('${DOCTOR_UNSET_BUCKET}')}
drills:
  - name: unset-store
    source: { pgdump: { store: unset, prefix: daily/ } }
    checks: [ { sequences: {} } ]
  - name: missing-bucket
    source: { pgdump: { store: nobucket, prefix: daily/ } }
    checks: [ { sequences: {} } ]
  - name: missing-key
    source: { pgdump: { store: lab, key: daily/gone.dump } }
    checks: [ { sequences: {} } ]
  - name: unset-key
    source: { pgdump: { store: lab, prefix: daily/, decrypt: { keyEnv: DOCTOR_UNSET_KEY } } }
    checks: [ { sequences: {} } ]
  - name: unset-object
    source: { pgdump: { store: lab, key: "daily/\${DOCTOR_UNSET_OBJECT}" } }
    checks: [ { sequences: {} } ]
`,
  );
  const result = await doctor(suite);
  expect(result.exitCode, result.stdout + result.stderr).toBe(3);
  const failed = lines(result.stdout, 'FAIL').join('\n');
  expect(failed).toMatch(/FAIL env DOCTOR_UNSET_BUCKET: DOCTOR_UNSET_BUCKET is not set \(storage\.unset\.s3\.bucket\)/);
  expect(result.stdout).toMatch(/SKIP store unset: not checked: its settings use DOCTOR_UNSET_BUCKET, not set/);
  expect(failed).toMatch(/FAIL store nobucket: BUCKET_NOT_FOUND: Bucket no-such-bucket does not exist .*\(hint: /);
  expect(failed).toMatch(/FAIL backup: BACKUP_NOT_FOUND: .*daily\/gone\.dump.*\(hint: /);
  expect(failed).toMatch(
    /FAIL env DOCTOR_UNSET_KEY: DOCTOR_UNSET_KEY is not set \(drills\[3\]\.source\.pgdump\.decrypt\.keyEnv/,
  );
  expect(failed).toMatch(/FAIL env DOCTOR_UNSET_OBJECT: .*\(drills\[4\]\.source\.pgdump\.key\)/);
  expect(result.stdout).toMatch(/SKIP backup: not looked for: its source settings use DOCTOR_UNSET_OBJECT, not set/);
  expect(result.stdout).toMatch(/doctor: 5 drills: .* — a run would not get far/);
});

test('wrong S3 credentials are named (exit 3) and no secret value appears in the output', async () => {
  const wrongSecret = 'wrong-secret-access-key-value';
  const suite = await writeSuiteIn(
    dir,
    'secrets',
    `name: secrets
storage:
  lab: ${s3Store(BUCKET)}
drills:
  - name: encrypted
    source: { pgdump: { store: lab, prefix: daily/, decrypt: { keyEnv: DOCTOR_KEY } } }
    checks: [ { sequences: {} } ]
`,
  );
  const good = await doctor(suite);
  expect(good.stdout).toMatch(/OK {3}env DOCTOR_KEY: set \(drills\[0\]\.source\.pgdump\.decrypt\.keyEnv\)/);
  // s3rver checks the access key id (not v4 signatures): an unknown key with its wrong secret is refused.
  const result = await doctor(suite, { AWS_ACCESS_KEY_ID: 'DOCTORWRONGKEYID', AWS_SECRET_ACCESS_KEY: wrongSecret });
  expect(result.exitCode, result.stdout + result.stderr).toBe(3);
  expect(result.stdout).toMatch(/FAIL store lab: STORAGE_ACCESS_DENIED: Access to bucket doctor-backups .* was denied/);
  expect(result.stdout).toMatch(/SKIP backup: not looked for: store lab failed/);
  for (const output of [good.stdout, good.stderr, result.stdout, result.stderr]) {
    expect(output).not.toContain(KEY_SECRET);
    expect(output).not.toContain(wrongSecret);
  }
});

test("postgres.major is held against the dump's major as the run holds it: older is refused with the run's code (exit 3)", async () => {
  const suite = await writeSuiteIn(
    dir,
    'majors',
    `name: majors
storage:
  disk: { filesystem: { root: ./backups } }
  lab: ${s3Store(BUCKET)}
drills:
  - name: older
    postgres: { major: 14 }
    source: { pgdump: { store: disk, key: daily/shop.dump } }
    checks: [ { sequences: {} } ]
  - name: same
    postgres: { major: 15 }
    source: { pgdump: { store: disk, key: daily/shop.dump } }
    checks: [ { sequences: {} } ]
  - name: newer
    postgres: { major: 17 }
    source: { pgdump: { store: disk, key: daily/shop.dump } }
    checks: [ { sequences: {} } ]
  - name: encrypted
    postgres: { major: 14 }
    source: { pgdump: { store: lab, prefix: daily/, decrypt: { keyEnv: DOCTOR_KEY } } }
    checks: [ { sequences: {} } ]
`,
  );
  const result = await doctor(suite);
  expect(result.exitCode, result.stdout + result.stderr).toBe(3);
  const drill = (name: string) => new RegExp(`^majors/${name}\\n((?: {2}.*\\n)*)`, 'm').exec(result.stdout)?.[1] ?? '';
  // The message and hint are the run's own (drill/pick-major.ts), and the engine line does not repeat them.
  expect(drill('older')).toContain(
    '  FAIL postgres.major: POSTGRES_MAJOR_OLDER_THAN_DUMP: the drill asks for PostgreSQL 14 (postgres.major), but the dump comes from PostgreSQL 15: ' +
      "pg_restore 14 cannot read a newer pg_dump's archive and a dump does not restore into an older major " +
      '(hint: remove postgres.major to restore into PostgreSQL 15, or set it to 15 or newer (a newer major rehearses an upgrade))\n',
  );
  expect(drill('older')).toContain('  SKIP engine: not checked: postgres.major is refused (see above)\n');
  expect(drill('same')).toContain("  OK   postgres.major: 15, the dump's own major\n");
  expect(drill('newer')).toContain("  OK   postgres.major: 17, newer than the dump's 15: an upgrade rehearsal\n");
  // An encrypted archive's header is read only by the run, after decryption: the preflight says so, and does not guess.
  expect(drill('encrypted')).toContain(
    "  SKIP postgres.major: 14 not compared with the backup's major, known only once the run reads the backup " +
      '(daily/shop-2026-12-01.dump: the archive is encrypted)\n',
  );
  const json = JSON.parse((await doctor(suite, {}, ['--json'])).stdout) as {
    groups: Array<{ drill?: string; findings: Array<{ subject: string; status: string; code?: string }> }>;
  };
  const older = json.groups.find((g) => g.drill === 'older')!.findings.find((f) => f.subject === 'postgres.major');
  expect(older).toMatchObject({ status: 'fail', code: 'POSTGRES_MAJOR_OLDER_THAN_DUMP' });
});

test('an invalid suite is a suite error (exit 2), not a preflight finding', async () => {
  const suite = await writeSuiteIn(dir, 'invalid', 'name: invalid\ndrills:\n  - name: x\n    source: { nope: {} }\n');
  const result = await doctor(suite);
  expect(result.exitCode).toBe(2);
  expect(result.stderr).toMatch(/SUITE_INVALID/);
});

const docker = await dockerEngineAvailability();
const present = docker.usable && (await imageExists(await connectRuntime(), testImage(15)));
const dockerWhy = !docker.usable
  ? docker.reason
  : !present
    ? `the image ${testImage(15)} is not built (scripts/build-images.sh; tests never pull)`
    : '';

describe.skipIf(dockerWhy !== '')(`docker drills${dockerWhy ? ` (skipped: ${dockerWhy})` : ''}`, () => {
  test('a docker drill whose image is absent with pulls off is a finding naming the image (exit 3)', async () => {
    const suite = await writeSuiteIn(
      dir,
      'docker',
      `name: docker
engine:
  kind: docker
  docker: { pull: never, images: [ { image: "pgdrill/doctor-never-built:15", major: 15 } ] }
storage:
  disk: { filesystem: { root: ./backups } }
drills:
  - name: absent-image
    postgres: { major: 15 }
    source: { pgdump: { store: disk, key: daily/shop.dump } }
    checks: [ { sequences: {} } ]
  - name: present-image
    source: { pgdump: { store: disk, key: daily/shop.dump } }
    checks: [ { sequences: {} } ]
`,
    );
    const result = await doctor(suite, { PGDRILL_ENGINE: 'docker' });
    expect(result.exitCode, result.stdout + result.stderr).toBe(3);
    expect(result.stdout).toMatch(/OK {3}engine selection: docker → docker: /);
    expect(result.stdout).toMatch(
      /FAIL engine: DOCKER_IMAGE_MISSING: the image pgdrill\/doctor-never-built:15 .* is not present in the Docker engine and pulls are disabled/,
    );
    expect(result.stdout).toMatch(/OK {3}backup: found/);
    // Without postgres.major the dump's 15 is wanted; its image is absent, so the nearest newer major present runs it.
    expect(result.stdout).toMatch(
      /^docker\/present-image\n(?: {2}.*\n)*? {2}OK {3}engine: docker: PostgreSQL 1[6-9] on \S+ \(present\) \(the backup is PostgreSQL 15\)$/m,
    );
  });
});
