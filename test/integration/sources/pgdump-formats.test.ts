import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadSuites, runSuites, type DrillResult, type RunResult } from '../../../src/index.js';
import { BUCKET, snapshotBucket, startBackupLab, type BackupLab } from '../../support/backup-lab.js';

// Real pg_dump archives of every format, in a real S3 server, restored into real PostgreSQL servers.
let lab: BackupLab;
let run: RunResult;
let before: string[];
const byName = (name: string): DrillResult => run.drills.find((d) => d.name === name)!;

const fullChecks = `
    checks:
      - rows: { table: shop.users, exact: 5000 }
      - rows: { table: shop.orders, exact: 20000 }
      - sequences: {}
      - schema: { tables: [shop.users, shop.orders, shop.audit_log, public.flyway_schema_history] }
      - sql: { query: "select count(*) from pg_roles where rolname in ('app_owner','reporting')", equals: 2 }
      - sql: { query: "select tableowner from pg_tables where schemaname = 'shop' and tablename = 'orders'", equals: app_owner }`;

const drill = (name: string, source: string, checks = fullChecks) => `
  - name: ${name}
    source:
      pgdump: { store: lab, database: shop, ${source} }${checks}`;

beforeAll(async () => {
  lab = await startBackupLab();
  const file = await lab.writeSuite(
    'formats',
    `name: formats
${lab.storageYaml}drills:${[
      drill('custom', 'key: formats/shop.dump'),
      drill('custom-streamed', 'key: formats/shop.dump, jobs: 1'),
      drill('directory', 'key: formats/shop-dir'),
      drill('tar', 'key: formats/shop.tar'),
      drill('plain', 'key: formats/shop.sql'),
      drill('custom-gzip', 'key: formats/shop.dump.gz'),
      drill('plain-zstd', 'key: formats/shop.sql.zst'),
      drill('tar-gzip', 'key: formats/shop.tar.gz'),
      drill('encrypted', 'key: formats/shop.dump.gz.enc, decrypt: { keyEnv: LAB_KEY }'),
      drill(
        'roles-skipped',
        'key: formats/shop.dump, roles: skip',
        `
    checks:
      - rows: { table: shop.orders, exact: 20000 }
      - sql: { query: "select count(*) from pg_roles where rolname = 'app_owner'", equals: 0 }`,
      ),
      drill('two-part', 'archives: [ { key: parts/1-schema.dump }, { key: parts/2-data.dump, dataOnly: true } ]'),
      drill(
        'table-level',
        'key: formats/shop.dump, only: { tables: [shop.orders, shop.users] }',
        `
    checks:
      - rows: { table: shop.orders, exact: 20000 }
      - schema: { absent: [shop.audit_log, public.flyway_schema_history], foreignKeys: false }`,
      ),
      drill(
        'latest-under-prefix',
        'prefix: formats/, pattern: "\\\\.dump$"',
        `
    checks:
      - rows: { table: shop.users, exact: 5000 }`,
      ),
    ].join('')}
`,
  );
  Object.assign(process.env, lab.env);
  before = await snapshotBucket(lab.s3, BUCKET);
  const suites = await loadSuites([file], { env: { ...process.env, ...lab.env } });
  run = await runSuites(suites, { engine: 'local', env: { ...process.env, ...lab.env } });
}, 600_000);

afterAll(async () => {
  await lab?.close();
});

describe('every pg_dump format restores and its checks pass', () => {
  test.each([
    'custom',
    'custom-streamed',
    'directory',
    'tar',
    'plain',
    'custom-gzip',
    'plain-zstd',
    'tar-gzip',
    'encrypted',
    'roles-skipped',
    'two-part',
  ])('%s', (name) => {
    const drill = byName(name);
    expect(drill.error, JSON.stringify(drill.error)).toBeUndefined();
    expect(drill.checks.filter((c) => c.status !== 'passed')).toEqual([]);
    expect(drill.checks.length).toBeGreaterThan(1);
    expect(drill.status).toBe('passed');
  });

  test('provenance records key, size, sha256 and the pg_dump that made the archive', () => {
    const [backup] = byName('custom').backup!;
    expect(backup).toMatchObject({ key: 'formats/shop.dump', format: 'custom', compression: 'none' });
    expect(backup!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(backup!.producedBy).toMatch(/^pg_dump 15\./);
    expect(byName('encrypted').backup![0]).toMatchObject({ format: 'custom', compression: 'gzip' });
    expect(byName('tar').backup![0]!.format).toBe('tar');
    expect(byName('plain').backup![0]!.format).toBe('plain');
    expect(byName('directory').backup![0]!.format).toBe('directory');
  });

  test('a two-part restore restores the schema dump, then the data-only dump', () => {
    expect(byName('two-part').backup!.map((b) => b.key)).toEqual(['parts/1-schema.dump', 'parts/2-data.dump']);
  });

  test('a table-level restore restores the chosen tables and proves the rest absent', () => {
    const drill = byName('table-level');
    expect(drill.status).toBe('passed');
    const scope = drill.checks.find((c) => c.type === 'scope')!;
    expect(scope.status).toBe('passed');
    expect(scope.actual).toBe('shop.orders, shop.users');
  });

  test('latest under a prefix picks by pattern', () => {
    expect(byName('latest-under-prefix').backup![0]!.key).toBe('formats/shop.dump');
  });

  test('the whole run passes with exit code 0', () => {
    expect(run.exitCode).toBe(0);
  });

  test('no object in the source bucket was created, changed or deleted', async () => {
    expect(before.length).toBeGreaterThan(10);
    expect(await snapshotBucket(lab.s3, BUCKET)).toEqual(before);
  });
});
