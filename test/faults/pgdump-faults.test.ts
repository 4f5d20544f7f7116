import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSuites, runSuites, type RunResult } from '../../src/index.js';
import { createS3Store } from '../../src/storage/s3-store.js';
import {
  BUCKET,
  leftovers,
  serverProcessesUnder,
  startBackupLab,
  type BackupLab,
  type CliResult,
} from '../support/backup-lab.js';
import { FaultProxy, type FaultPlan } from '../support/fault-proxy.js';

// Faults on the S3 connection while pg_dump archives are read, through the built CLI: a one-shot cut or reset
// resumes and the drill passes with the retries in the report; a persistent one is a storage fault (exit 3,
// <error> STORAGE_READ_INCOMPLETE with bytes read of bytes expected), never a pass; nothing is left behind.
let lab: BackupLab;
let proxy: FaultProxy;
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

interface Archive {
  name: string;
  source: string;
  /** Keys read (one, or every file of a directory dump). */
  keys: string[];
}

const ARCHIVES: Archive[] = [
  { name: 'plain', source: 'key: formats/shop.sql', keys: ['formats/shop.sql'] },
  { name: 'custom-jobs1', source: 'key: formats/shop.dump, jobs: 1', keys: ['formats/shop.dump'] },
  { name: 'custom-jobs2', source: 'key: formats/shop.dump, jobs: 2', keys: ['formats/shop.dump'] },
  { name: 'directory', source: 'key: formats/shop-dir', keys: [] },
  { name: 'tar', source: 'key: formats/shop.tar', keys: ['formats/shop.tar'] },
  {
    name: 'gzip-openssl',
    source: 'key: formats/shop.dump.gz.enc, decrypt: { keyEnv: LAB_KEY }',
    keys: ['formats/shop.dump.gz.enc'],
  },
];

// Each connection delivers at most this many response bytes (TLS handshake included) when faulted: small
// against every archive, so 5 attempts never complete one; big enough for the handshake, the list and head
// responses and the first TLS record of a GET (up to 16 KiB, headers and the first body bytes together).
const FAULT_AFTER = 40 * 1024;

beforeAll(async () => {
  lab = await startBackupLab();
  proxy = await FaultProxy.start({ host: '127.0.0.1', port: Number(new URL(lab.s3.endpoint).port) });
  const store = createS3Store({
    bucket: BUCKET,
    endpoint: lab.s3.endpoint,
    forcePathStyle: true,
    caBundle: lab.s3.caPath,
  });
  const saved = { ...process.env };
  Object.assign(process.env, lab.env);
  try {
    const dir = ARCHIVES.find((a) => a.name === 'directory')!;
    dir.keys = (await store.list('formats/shop-dir/')).map((o) => o.key);
    // The matrix only means something when every archive is bigger than what 5 faulted attempts deliver.
    const largest = Math.max(...(await Promise.all(dir.keys.map(async (k) => (await store.head(k))!.size))));
    expect(largest).toBeGreaterThan(5 * FAULT_AFTER);
    for (const a of ARCHIVES.filter((x) => x.name !== 'directory'))
      expect((await store.head(a.keys[0]!))!.size).toBeGreaterThan(5 * FAULT_AFTER);
  } finally {
    process.env = saved;
    await store.close();
  }
}, 600_000);

afterAll(async () => {
  await proxy?.close();
  await lab?.close();
});

function suiteYaml(name: string, archives: Archive[], rows = true): string {
  const storage = `storage:\n  lab:\n    s3: { bucket: ${BUCKET}, endpoint: "${proxy.endpoint}", forcePathStyle: true, caBundle: "${lab.s3.caPath}" }\n`;
  const drills = archives
    .map(
      (a) =>
        `  - name: ${a.name}\n    source: { pgdump: { store: lab, database: shop, ${a.source} } }\n${rows ? '    checks:\n      - rows: { table: shop.orders, exact: 20000 }\n' : ''}`,
    )
    .join('');
  return `name: ${name}\n${storage}drills:\n${drills}`;
}

interface Outcome {
  cli: CliResult;
  output: string;
  junit: string;
  report: RunResult;
}

// A run that outlives this is a hang (e.g. a tool spinning on a cut input): it is stopped (SIGTERM, so pgdrill
// cleans up) and the test fails on its exit code instead of timing out with the process left running.
const HANG_GUARD_MS = 100_000;

async function drillThroughProxy(name: string, archives: Archive[], plan: FaultPlan): Promise<Outcome> {
  proxy.inject(plan);
  const file = await lab.writeSuite(name, suiteYaml(name, archives));
  const junit = join(lab.dir, `${name}.xml`);
  const json = join(lab.dir, `${name}.json`);
  const tmp = await mkdtemp(join(lab.dir, 'tmp-'));
  await chmod(tmp, 0o711);
  const cli = await new Promise<CliResult>((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, 'run', file, '--junit', junit, '--json', json],
      { env: { ...process.env, ...lab.env, TMPDIR: tmp }, timeout: HANG_GUARD_MS, maxBuffer: 64 * 1024 * 1024 },
      (_e, stdout, stderr) =>
        resolve({
          exitCode: child.exitCode ?? -1,
          stdout: child.signalCode ? `${stdout}\n[stopped after ${HANG_GUARD_MS} ms: ${child.signalCode}]` : stdout,
          stderr,
          tmp,
        }),
    );
  });
  proxy.dropAll();
  const read = (f: string) => readFile(f, 'utf8').catch(() => '');
  const report = await read(json);
  return {
    cli,
    output: cli.stdout + cli.stderr,
    junit: await read(junit),
    report: (report ? JSON.parse(report) : { drills: [] }) as RunResult,
  };
}

async function expectNothingLeft(cli: CliResult): Promise<void> {
  expect(await serverProcessesUnder(cli.tmp)).toEqual([]);
  expect(await leftovers(cli.tmp)).toEqual([]);
}

describe('pg_dump archives read through a connection that fails every time', () => {
  for (const archive of ARCHIVES) {
    for (const mode of ['cut', 'reset'] as const) {
      it(`${archive.name}: every connection ${mode} → exit 3, <error> STORAGE_READ_INCOMPLETE with bytes read of bytes expected, nothing left`, async () => {
        const r = await drillThroughProxy(`every-${mode}-${archive.name}`, [archive], {
          mode,
          afterBytes: FAULT_AFTER,
          connections: 'every',
        });
        expect(r.cli.exitCode, r.output).toBe(3);
        expect(
          proxy.faults.length,
          JSON.stringify({ faults: proxy.faults, error: r.report.drills[0]?.error }),
        ).toBeGreaterThanOrEqual(5);
        const drill = r.report.drills[0]!;
        expect(drill.status).toBe('error');
        expect(drill.error?.code, drill.error?.message).toBe('STORAGE_READ_INCOMPLETE');
        const keys = archive.keys.map((k) => k.replace(/[.]/g, '\\.')).join('|');
        expect(drill.error?.message).toMatch(
          new RegExp(`^Read \\d+ of \\d+ bytes of s3://${BUCKET}/(${keys}) after 5 attempts: `),
        );
        const [, read, of] = /^Read (\d+) of (\d+)/.exec(drill.error!.message)!;
        expect(Number(read)).toBeLessThan(Number(of));
        expect(r.junit).toMatch(/<error [^>]*type="STORAGE_READ_INCOMPLETE"/);
        expect(r.junit).not.toContain('<failure');
        await expectNothingLeft(r.cli);
      });
    }
  }
});

// The first faulted connection may be the table-of-contents peek, which can stop reading before the fault
// matters (loopback buffers let the server run ahead of the reader); the second then hits the read that
// restores or downloads the archive. Either way at least one read in use is cut and must be resumed.
const ONE_SHOT = { afterBytes: FAULT_AFTER, connections: 'every', faults: 2 } as const;

describe('pg_dump archives read through connections that fail a couple of times', () => {
  for (const archive of ARCHIVES) {
    for (const mode of ['cut', 'reset'] as const) {
      it(`${archive.name}: a ${mode} of the first two connections is resumed, the drill passes with every row, and the report counts the retry`, async () => {
        const r = await drillThroughProxy(`once-${mode}-${archive.name}`, [archive], { mode, ...ONE_SHOT });
        expect(r.cli.exitCode, r.output).toBe(0);
        expect(proxy.faults).toHaveLength(2);
        expect(r.junit).not.toMatch(/<error|<failure/);
        await expectNothingLeft(r.cli);
        const retries = r.report.drills[0]!.backup?.[0]?.readRetries;
        expect(retries, 'backup.readRetries in the JSON report').toBeGreaterThanOrEqual(1);
        expect(r.junit).toMatch(/<property name="backup\.readRetries" value="[1-9]\d*"\/>/);
      });
    }
  }
});

describe('pg_dump archives read through a connection that stalls (library, small read-idle limit)', () => {
  async function runStalled(name: string, archives: Archive[], plan: FaultPlan): Promise<RunResult> {
    proxy.inject(plan);
    const file = await lab.writeSuite(name, suiteYaml(name, archives));
    const suites = await loadSuites([file], { env: { ...process.env, ...lab.env } });
    for (const suite of suites) {
      const store = suite.storage.lab!;
      if ('s3' in store) Object.assign(store.s3, { readIdleTimeoutMs: 500, readRetryDelayMs: 10 });
    }
    const saved = { ...process.env };
    Object.assign(process.env, lab.env);
    try {
      return await runSuites(suites, { env: { ...process.env }, signal: AbortSignal.timeout(HANG_GUARD_MS) });
    } finally {
      process.env = saved;
      proxy.dropAll();
    }
  }

  for (const archive of ARCHIVES.filter((a) => ['plain', 'custom-jobs2', 'directory', 'tar'].includes(a.name))) {
    it(`${archive.name}: every connection stalls → STORAGE_READ_INCOMPLETE naming the idle limit`, async () => {
      const run = await runStalled(`every-stall-${archive.name}`, [archive], {
        mode: 'stall',
        afterBytes: FAULT_AFTER,
        connections: 'every',
      });
      const drill = run.drills[0]!;
      expect(run.exitCode, JSON.stringify(drill.error)).toBe(3);
      expect(drill.status).toBe('error');
      expect(drill.error?.code, drill.error?.message).toBe('STORAGE_READ_INCOMPLETE');
      expect(drill.error?.message).toMatch(/^Read \d+ of \d+ bytes of .* after 5 attempts: no bytes for 500 ms$/);
    });

    it(`${archive.name}: a stall of the first two connections is resumed and the drill passes`, async () => {
      const run = await runStalled(`once-stall-${archive.name}`, [archive], { mode: 'stall', ...ONE_SHOT });
      expect(run.exitCode, JSON.stringify(run.drills[0]!.error)).toBe(0);
      expect(proxy.faults).toHaveLength(2);
      expect(run.drills[0]!.backup?.[0]?.readRetries, 'backup.readRetries').toBeGreaterThanOrEqual(1);
    });
  }
});
