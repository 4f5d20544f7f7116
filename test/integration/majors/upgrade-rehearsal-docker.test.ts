import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectRuntime, imageExists } from '../../../src/engines/docker/docker-runtime.js';
import { findInstallations } from '../../../src/engines/local/find-installations.js';
import type { DrillResult, RunResult } from '../../../src/index.js';
import { leftovers, runCli, writeSuiteIn, type CliResult } from '../../support/backup-lab.js';
import { dockerEngineAvailability, pgdrillContainers, testImage } from '../../support/docker-support.js';
import { PG_BIN, scratchPostgresUnavailable, startScratchPostgres } from '../../support/scratch-postgres.js';
import { startMajorSource } from './major-source.js';

// An upgrade rehearsal: a PostgreSQL 15 dump (this machine's pg_dump 15, from a real 15 server) and a 17 dump
// (pg_dump 17 in its image) restored into PostgreSQL 18 on the docker engine with `postgres.major: 18`,
// through the built CLI. A major older than the dump's, and a physical backup asked into another major, are
// refused before any server starts.
const run = promisify(execFile);
const docker = await dockerEngineAvailability();
const runtime = docker.usable ? await connectRuntime() : undefined;
const images = [17, 18].map(testImage);
const missing = runtime
  ? (await Promise.all(images.map(async (i) => ((await imageExists(runtime, i)) ? [] : [i])))).flat()
  : [];
const hostMajors = (await findInstallations()).filter((i) => i.tools.pg_restore).map((i) => i.major);
const why =
  scratchPostgresUnavailable() ??
  (!docker.usable
    ? docker.reason
    : missing.length > 0
      ? `the images ${missing.join(', ')} are not built (scripts/build-images.sh --majors=17,18; tests never pull)`
      : '');
const title = (name: string) => (why ? `${name} (skipped: ${why})` : name);

const ORDERS = 4_000;
const CUSTOMERS = 250;
const SOURCE_SQL = `
  CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
  CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, total numeric(10,2) NOT NULL);
  CREATE INDEX orders_customer ON orders (customer_id);
  INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, ${CUSTOMERS}) g;
  INSERT INTO orders SELECT g, 1 + g % ${CUSTOMERS}, (g % 1000) / 10.0 FROM generate_series(1, ${ORDERS}) g;`;
const CHECKS = `
    checks:
      - rows: { table: public.orders, exact: ${ORDERS} }
      - rows: { table: public.customers, exact: ${CUSTOMERS} }
      - schema: { tables: [public.orders, public.customers], invalidIndexes: 0 }`;

let dir: string;

/** A 15 server on this machine: a custom and a plain dump with its pg_dump 15, and a tar base backup. */
async function makeHost15Backups(backups: string): Promise<void> {
  const server = await startScratchPostgres();
  try {
    const shop = await server.createDatabase('shop');
    await shop.client.query(SOURCE_SQL);
    const conn = ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres'];
    await run(join(PG_BIN, 'pg_dump'), [...conn, '-Fc', '-f', join(backups, 'shop15.dump'), 'shop']);
    await run(join(PG_BIN, 'pg_dump'), [...conn, '-Fp', '-f', join(backups, 'shop15.sql'), 'shop']);
    await run(join(PG_BIN, 'pg_basebackup'), [...conn, '-Ft', '-c', 'fast', '-D', join(backups, 'base15')]);
    await mkdir(join(backups, 'wal15'));
  } finally {
    await server.stop();
  }
}

async function makeBackups(): Promise<void> {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-upgrade-'));
  await chmod(dir, 0o711);
  const backups = join(dir, 'backups');
  await mkdir(backups, { mode: 0o777 });
  await chmod(backups, 0o777);
  await makeHost15Backups(backups);
  const source = await startMajorSource(testImage(17));
  try {
    await source.psql('postgres', 'CREATE DATABASE shop');
    await source.psql('shop', SOURCE_SQL);
    await source.dump('shop', 'c', join(backups, 'shop17.dump'));
  } finally {
    await source.remove();
  }
}

const suite = (name: string, drills: string) =>
  `name: ${name}\nengine: { kind: docker, docker: { pull: never } }\nstorage: { backups: { filesystem: { root: backups } } }\ndrills:${drills}\n`;

async function runSuite(
  name: string,
  drills: string,
  engine = 'docker',
): Promise<{ cli: CliResult; result: RunResult; junit: string }> {
  const file = await writeSuiteIn(dir, name, suite(name, drills));
  const json = join(dir, `${name}.json`);
  const junit = join(dir, `${name}.xml`);
  const cli = await runCli(['run', file, '--engine', engine, '--json', json, '--junit', junit], {}, {}, dir);
  return {
    cli,
    result: JSON.parse(await readFile(json, 'utf8')) as RunResult,
    junit: await readFile(junit, 'utf8'),
  };
}

const byName = (result: RunResult, name: string): DrillResult => result.drills.find((d) => d.name === name)!;

// The <testsuite> of one drill, for its properties.
function junitSuite(xml: string, name: string): string {
  const start = xml.search(new RegExp(`<testsuite name="[^"]*/${name}"`));
  if (start < 0) throw new Error(`no <testsuite> for ${name} in the JUnit report`);
  return xml.slice(start, xml.indexOf('</testsuite>', start));
}

describe.skipIf(why !== '')(title('upgrade rehearsal: dumps restored into a newer major on the docker engine'), () => {
  let upgrade: Awaited<ReturnType<typeof runSuite>>;
  let refusals: Awaited<ReturnType<typeof runSuite>>;

  beforeAll(async () => {
    await makeBackups();
    upgrade = await runSuite(
      'upgrade',
      `
  - name: pg15-custom-into-18
    source: { pgdump: { store: backups, database: shop, key: shop15.dump, jobs: 2 } }
    postgres: { major: 18 }${CHECKS}
  - name: pg15-plain-into-18
    source: { pgdump: { store: backups, database: shop, key: shop15.sql } }
    postgres: { major: 18 }${CHECKS}
  - name: pg17-custom-into-18
    source: { pgdump: { store: backups, database: shop, key: shop17.dump } }
    postgres: { major: 18 }${CHECKS}
  - name: pg17-custom-own-major
    source: { pgdump: { store: backups, database: shop, key: shop17.dump } }${CHECKS}`,
    );
    refusals = await runSuite(
      'refusals',
      `
  - name: pg17-into-15
    source: { pgdump: { store: backups, database: shop, key: shop17.dump } }
    postgres: { major: 15 }${CHECKS}
  - name: pg15-plain-into-14
    source: { pgdump: { store: backups, database: shop, key: shop15.sql } }
    postgres: { major: 14 }${CHECKS}
  - name: base15-into-17
    source: { basebackup: { store: backups, database: shop, key: base15, wal: { prefix: wal15/ } } }
    postgres: { major: 17 }${CHECKS}`,
    );
  }, 1_200_000);

  afterAll(async () => {
    if (!dir) return;
    expect(await pgdrillContainers(dir)).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });

  test.each([
    ['pg15-custom-into-18', 15],
    ['pg15-plain-into-18', 15],
    ['pg17-custom-into-18', 17],
  ])(
    '%s: restored into PostgreSQL 18 with its tools, every check passes, the report names both majors',
    (name, from) => {
      const drill = byName(upgrade.result, name);
      expect(drill.error, JSON.stringify(drill.error)).toBeUndefined();
      expect(drill.checks.map((c) => [c.type, c.status])).toEqual([
        ['rows', 'passed'],
        ['rows', 'passed'],
        ['schema', 'passed'],
      ]);
      expect(drill.engine).toMatchObject({ kind: 'docker', major: 18, backupMajor: from, image: testImage(18) });
      expect(drill.engine!.version).toMatch(/^18\./);
      expect(drill.steps.find((s) => s.name === 'restore')?.message).toContain(
        `a PostgreSQL ${from} dump restored into PostgreSQL 18`,
      );
      const properties = junitSuite(upgrade.junit, name);
      expect(properties).toContain('<property name="engine.major" value="18"/>');
      expect(properties).toContain(`<property name="engine.backupMajor" value="${from}"/>`);
    },
  );

  test('a dump restored into its own major records the same major twice', () => {
    const drill = byName(upgrade.result, 'pg17-custom-own-major');
    expect(drill.status).toBe('passed');
    expect(drill.engine).toMatchObject({ major: 17, backupMajor: 17 });
  });

  test('the upgrade run passes and leaves nothing behind', async () => {
    expect(upgrade.cli.exitCode, upgrade.cli.stdout + upgrade.cli.stderr).toBe(0);
    expect(await pgdrillContainers(upgrade.cli.tmp)).toEqual([]);
    expect(await leftovers(upgrade.cli.tmp)).toEqual([]);
  });

  test('a major older than the dump is refused with exit 2 before any server or container starts', async () => {
    expect(refusals.cli.exitCode, refusals.cli.stdout + refusals.cli.stderr).toBe(2);
    const custom = byName(refusals.result, 'pg17-into-15');
    expect(custom.status).toBe('error');
    expect(custom.error).toMatchObject({ code: 'POSTGRES_MAJOR_OLDER_THAN_DUMP', exitCode: 2 });
    expect(custom.error!.message).toContain(
      'asks for PostgreSQL 15 (postgres.major), but the dump comes from PostgreSQL 17',
    );
    expect(custom.error!.hint).toContain('set it to 17 or newer');
    const plain = byName(refusals.result, 'pg15-plain-into-14');
    expect(plain.error).toMatchObject({ code: 'POSTGRES_MAJOR_OLDER_THAN_DUMP', exitCode: 2 });
    expect(plain.error!.message).toContain('the dump comes from PostgreSQL 15');
    for (const drill of [custom, plain]) {
      expect(drill.engine).toBeUndefined();
      expect(drill.timings?.engineSeconds).toBeUndefined();
      expect(drill.checks.map((c) => c.status)).toEqual(['skipped', 'skipped', 'skipped']);
    }
    expect(await pgdrillContainers(refusals.cli.tmp)).toEqual([]);
    expect(await leftovers(refusals.cli.tmp)).toEqual([]);
  });

  test('a base backup asked into another major is refused with exit 2 before anything is restored', () => {
    const drill = byName(refusals.result, 'base15-into-17');
    expect(drill.status).toBe('error');
    expect(drill.error).toMatchObject({ code: 'PHYSICAL_MAJOR_MISMATCH', exitCode: 2 });
    expect(drill.error!.message).toContain('the basebackup backup is PostgreSQL 15');
    expect(drill.error!.hint).toContain('pg_dump');
    expect(drill.engine).toBeUndefined();
    expect(drill.timings?.engineSeconds).toBeUndefined();
    expect(junitSuite(refusals.junit, 'base15-into-17')).toContain('PHYSICAL_MAJOR_MISMATCH');
  });

  // The local engine rehearses an upgrade only into a major installed here.
  test.skipIf(hostMajors.includes(18))(
    `local engine without PostgreSQL 18: the upgrade is refused naming what to install (this machine has ${hostMajors.join(', ')})`,
    async () => {
      const local = await runSuite(
        'upgrade-local',
        `
  - name: pg15-into-18-local
    source: { pgdump: { store: backups, database: shop, key: shop15.dump } }
    postgres: { major: 18 }${CHECKS}`,
        'local',
      );
      expect(local.cli.exitCode, local.cli.stdout + local.cli.stderr).toBe(3);
      const drill = byName(local.result, 'pg15-into-18-local');
      expect(drill.error!.code).toBe('POSTGRES_MAJOR_NOT_INSTALLED');
      expect(`${drill.error!.message} ${drill.error!.hint}`).toContain('postgresql-18');
    },
  );

  const newer = hostMajors.filter((m) => m > 15);
  test.skipIf(newer.length === 0)(
    `local engine: a 15 dump restored into the newest major installed here${newer.length ? '' : ' (skipped: this machine has no PostgreSQL newer than 15)'}`,
    async () => {
      const newest = Math.max(...newer);
      const local = await runSuite(
        'upgrade-local-newest',
        `
  - name: pg15-into-newest
    source: { pgdump: { store: backups, database: shop, key: shop15.dump } }
    postgres: { major: ${newest} }${CHECKS}`,
        'local',
      );
      expect(local.cli.exitCode, local.cli.stdout + local.cli.stderr).toBe(0);
      expect(byName(local.result, 'pg15-into-newest').engine).toMatchObject({ major: newest, backupMajor: 15 });
    },
  );
});
