import { copyFile, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../src/demo/embedded-s3.js';
import { createFixtureDatabase, DEMO_DATABASE } from '../../src/demo/fixture-database.js';
import { makeDump } from '../../src/demo/make-dump.js';
import { createLocalEngine } from '../../src/engines/local/local-engine.js';
import { completePeriodsBefore, describePeriod } from '../../src/inventory/calendar-periods.js';
import type { RunResult } from '../../src/index.js';
import {
  leftovers,
  runCli,
  serverProcessesUnder,
  snapshotBucket,
  writeSuiteIn,
  type CliResult,
} from '../support/backup-lab.js';

// Backup inventories built from one real pg_dump archive of the fixture database, stored under dated keys
// in the embedded S3 (LastModified is the upload time there, so the drills order by the date in the key)
// and in a directory whose files carry mtimes set with utimes.
const BUCKET = 'inventory';
const DAY = 86_400_000;
const now = Date.now();
const dayKey = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString().slice(0, 10);
// The complete ISO week before the last one: every backup in it is left out of the "bad" family.
const missingWeek = completePeriodsBefore('week', new Date(now), 2)[1]!;
const inMissingWeek = (daysAgo: number) => {
  const t = now - daysAgo * DAY;
  return t >= missingWeek.start.getTime() && t < missingWeek.end.getTime();
};

let s3: EmbeddedS3;
let dir: string;
let dumpSize: number;
let healthy: { cli: CliResult; run: RunResult; junit: string };
let bad: { cli: CliResult; run: RunResult; junit: string };
let before: string[];

const storage = () => `storage:
  lab:
    s3: { bucket: ${BUCKET}, endpoint: "${s3.endpoint}", forcePathStyle: true, caBundle: "${s3.caPath}" }
  disk:
    filesystem: { root: ${join(dir, 'disk')} }
`;
const inventoryChecks = `
      - freshness: { maxAge: 26h }
      - retention: { daily: 30, weekly: 4, monthly: 1 }
      - size: { minRatio: 0.5, last: 7, minBytes: 1000 }`;

async function runSuite(name: string, yaml: string) {
  const file = await writeSuiteIn(dir, name, yaml);
  const json = join(dir, `${name}.json`);
  const junitFile = join(dir, `${name}.xml`);
  const env = {
    ...s3.env(),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const cli = await runCli(['run', file, '--json', json, '--junit', junitFile], env, {}, dir);
  return { cli, run: JSON.parse(await readFile(json, 'utf8')) as RunResult, junit: await readFile(junitFile, 'utf8') };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-inventory-'));
  await chmod(dir, 0o711);
  s3 = await startEmbeddedS3();
  await s3.createBucket(BUCKET);
  let dump: string;
  {
    await using server = await createLocalEngine().start({ workDir: dir });
    await createFixtureDatabase(server);
    dump = await makeDump(server, DEMO_DATABASE, { format: 'custom' }, join(dir, 'shop'));
  }
  dumpSize = (await readFile(dump)).length;
  const tiny = join(dir, 'tiny.dump');
  await writeFile(tiny, (await readFile(dump)).subarray(0, 600));
  await mkdir(join(dir, 'disk', 'nightly'), { recursive: true });
  for (let daysAgo = 0; daysAgo < 45; daysAgo++) {
    // healthy: one backup a day until today; bad: none in one whole week, none in the last 3 days, the newest tiny.
    await s3.putFile(BUCKET, `healthy/shop-${dayKey(daysAgo)}.dump`, dump);
    if (daysAgo >= 3 && !inMissingWeek(daysAgo))
      await s3.putFile(BUCKET, `bad/shop-${dayKey(daysAgo)}.dump`, daysAgo === 3 ? tiny : dump);
    const onDisk = join(dir, 'disk', 'nightly', `shop-${45 - daysAgo}.dump`);
    await copyFile(dump, onDisk);
    const at = new Date(now - daysAgo * DAY - 3_600_000);
    await utimes(onDisk, at, at);
  }
  await s3.putFile(BUCKET, 'healthy/README.txt', tiny);
  before = await snapshotBucket(s3, BUCKET);
  healthy = await runSuite(
    'healthy',
    `name: healthy\n${storage()}drills:
  - name: s3-inventory
    source: { pgdump: { store: lab, prefix: healthy/, pattern: '\\.dump$', orderBy: keyDate } }
    checks:${inventoryChecks}
  - name: disk-inventory
    source: { pgdump: { store: disk, prefix: nightly/ } }
    checks:${inventoryChecks}
  - name: s3-inventory-then-restore
    source: { pgdump: { store: lab, prefix: healthy/, pattern: '\\.dump$', orderBy: keyDate, database: shop } }
    checks:
      - freshness: { maxAge: 26h }
      - rows: { table: shop.orders, min: 1 }
`,
  );
  bad = await runSuite(
    'bad',
    `name: bad\n${storage()}drills:\n  - name: bad-inventory\n    source: { pgdump: { store: lab, prefix: bad/, orderBy: keyDate } }\n    checks:${inventoryChecks}\n`,
  );
}, 300_000);

afterAll(async () => {
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const drill = (run: RunResult, name: string) => run.drills.find((d) => d.name === name)!;

describe('inventory checks through the built CLI', () => {
  test('a healthy inventory passes every check (exit 0), on S3 by key date and on disk by mtime', () => {
    expect(healthy.cli.exitCode, healthy.cli.stderr + healthy.cli.stdout).toBe(0);
    for (const name of ['s3-inventory', 'disk-inventory']) {
      const d = drill(healthy.run, name);
      expect(d.checks.map((c) => `${c.type}: ${c.status}`)).toEqual([
        'freshness: passed',
        'retention: passed',
        'size: passed',
      ]);
    }
    expect(drill(healthy.run, 's3-inventory').steps[0]!.message).toMatch(
      /^45 backups in pg_dump archives in s3:\/\/inventory\/ .* newest healthy\/shop-\d{4}-\d\d-\d\d\.dump/,
    );
    expect(drill(healthy.run, 'disk-inventory').checks[0]!.message).toMatch(
      /the newest backup nightly\/shop-45\.dump finished 1h( \d+m)?( \d+s)? ago .*LastModified/,
    );
  });

  test('inventory-only drills start no server and only list', async () => {
    for (const name of ['s3-inventory', 'disk-inventory']) {
      const d = drill(healthy.run, name);
      expect(d.steps.map((s) => s.name)).toEqual(['inventory']);
      expect(d.engine).toBeUndefined();
      expect(d.restoreSeconds).toBeUndefined();
    }
    // Only the restore drill's server ever ran, and it is gone; the bad suite selected no engine at all.
    expect(await serverProcessesUnder(healthy.cli.tmp)).toEqual([]);
    expect(bad.cli.stdout + bad.cli.stderr).toContain('without a server (inventory checks only: no server is started)');
    expect(await leftovers(bad.cli.tmp)).toEqual([]);
    const restore = drill(healthy.run, 's3-inventory-then-restore');
    expect(drill(healthy.run, 's3-inventory').durationMs).toBeLessThan(restore.durationMs / 3);
  });

  test('a mixed drill runs its inventory checks first, then restores the real dump', () => {
    const d = drill(healthy.run, 's3-inventory-then-restore');
    expect(d.steps.map((s) => `${s.name}: ${s.status}`)).toEqual(['inventory: passed', 'restore: passed']);
    expect(d.checks.map((c) => `${c.type}: ${c.status}`)).toEqual(['freshness: passed', 'rows: passed']);
    expect(d.backup?.[0]?.key).toBe(`healthy/shop-${dayKey(0)}.dump`);
    expect(d.backup?.[0]?.size).toBe(dumpSize);
  });

  test('a stale newest backup, a missing week and a tiny newest dump fail the three checks (exit 1), naming what is wrong', () => {
    expect(bad.cli.exitCode, bad.cli.stderr + bad.cli.stdout).toBe(1);
    const [freshness, retention, size] = drill(bad.run, 'bad-inventory').checks;
    expect(freshness!.status).toBe('failed');
    expect(freshness!.message).toContain(`the newest backup bad/shop-${dayKey(3)}.dump finished 3d`);
    expect(retention!.status).toBe('failed');
    expect(retention!.message).toContain(`no backup in ${describePeriod(missingWeek)}`);
    expect(retention!.details).toContain(`no backup in day ${dayKey(1)}`);
    expect(size!.status).toBe('failed');
    expect(size!.message).toContain('600 bytes is below the floor of 1000 bytes');
    expect(size!.message).toMatch(/600 bytes is 0\.\d\d x the median/);
  });

  test('JUnit: one failure per check with expected and actual', () => {
    const failures = [...bad.junit.matchAll(/<failure message="([^"]*)" type="(\w+)"/g)].map((m) => [m[2], m[1]]);
    expect(failures.map(([type]) => type)).toEqual(['freshness', 'retention', 'size']);
    expect(failures[0]![1]).toMatch(
      /^expected newest backup younger than 1d 2h, actual 3d( \d+h)?( \d+m)?( \d+s)? old/,
    );
    expect(failures[1]![1]).toContain(`no backup in week ${describePeriod(missingWeek).slice('week '.length)}`);
    expect(bad.junit).toMatch(/<testsuites[^>]*failures="3"/);
  });

  test('pgdrill never writes to the source', async () => {
    expect(await snapshotBucket(s3, BUCKET)).toEqual(before);
  });
});
