import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLocalEngine, loadSuites, runSuites, type CheckResult, type RunResult } from '../../../src/index.js';
import { leftovers, serverProcessesUnder, startBackupLab, type BackupLab } from '../../support/backup-lab.js';
import { dockerEngineAvailability, pgdrillContainers } from '../../support/docker-support.js';
import { readJson, startPhysicalLab, type PhysicalLab } from '../../support/physical-lab.js';

// Suite SQL runs as a read-only role that is not a superuser: programs, writes, DDL and multi-statement
// tricks are refused with a clear message, the restored data is unchanged, pgdrill's own checks still pass.
let lab: BackupLab;
let run: RunResult;
let programOutput: string;

const hostile: Record<string, string> = {
  program: `copy (select 1) to program 'id > PROGRAM_OUTPUT'`,
  delete: 'delete from shop.users returning 1',
  create: 'create table x(i int)',
  multi: 'select 1; delete from shop.users',
  readWrite: 'set transaction read write; delete from shop.users',
  commit: 'commit; delete from shop.users',
  cte: 'with gone as (delete from shop.users returning 1) select count(*) from gone',
  session: 'set session characteristics as transaction read write',
  config: `select set_config('default_transaction_read_only', 'off', false)`,
  afterSession: 'delete from shop.orders returning 1',
  sleep: 'select pg_sleep(60)',
  typo: 'selec 1',
};

function check(name: string): CheckResult {
  const found = run.drills[0]!.checks.find((c) => c.name.includes(`sql ${name} `));
  if (!found)
    throw new Error(
      `no check named ${name}: ${JSON.stringify(run.drills[0]!.steps)} ${run.drills[0]!.checks.map((c) => c.name).join(', ')}`,
    );
  return found;
}

beforeAll(async () => {
  lab = await startBackupLab();
  programOutput = join(lab.dir, 'program-ran');
  const checks = Object.entries(hostile)
    .map(
      ([name, query]) =>
        `      - sql: { name: ${name}, query: "${query.replace('PROGRAM_OUTPUT', programOutput)}", equals: 1 }`,
    )
    .join('\n');
  const file = await lab.writeSuite(
    'privileges',
    `name: privileges\n${lab.storageYaml}drills:
  - name: hostile
    checkTimeout: 3s
    source: { pgdump: { store: lab, database: shop, key: formats/shop.dump } }
    checks:
      - sql: { name: whoami, query: "select current_user", equals: pgdrill_check }
      - sql: { name: superuser, query: "select rolsuper from pg_roles where rolname = current_user", equals: false }
${checks}
      - rows: { table: shop.users, exact: 5000 }
      - rows: { table: shop.orders, exact: 20000 }
      - integrity: {}
      - schema: { tables: [shop.users, shop.orders] }
      - sequences: {}
`,
  );
  Object.assign(process.env, lab.env);
  run = await runSuites(await loadSuites([file]), { engines: [createLocalEngine()], env: process.env });
}, 300_000);

afterAll(async () => {
  await lab?.close();
});

test('suite SQL runs as pgdrill_check, which is not a superuser', () => {
  expect(check('whoami').status).toBe('passed');
  expect(check('superuser').status).toBe('passed');
});

test('COPY … TO PROGRAM is refused and the program never runs', () => {
  const result = check('program');
  expect(result.status).toBe('error');
  expect(result.message).toMatch(
    /^ERROR 42501: suite SQL runs read-only as role pgdrill_check .*: must be superuser or have privileges of the pg_execute_server_program role/,
  );
  expect(existsSync(programOutput)).toBe(false);
});

describe('writes, DDL and multi-statement strings are refused with a clear message', () => {
  test.each([
    ['delete', /cannot execute DELETE in a read-only transaction/],
    ['create', /cannot execute CREATE TABLE in a read-only transaction/],
    ['multi', /cannot insert multiple commands into a prepared statement/],
    ['readWrite', /cannot insert multiple commands into a prepared statement/],
    ['commit', /cannot insert multiple commands into a prepared statement/],
    ['cte', /cannot execute (DELETE|SELECT) in a read-only transaction/],
    ['afterSession', /cannot execute DELETE in a read-only transaction/],
  ])('%s', (name, reason) => {
    const result = check(name);
    expect(result.status).toBe('error');
    expect(result.message).toContain('suite SQL runs read-only as role pgdrill_check');
    expect(result.message).toMatch(reason);
  });
});

test('an ordinary SQL error is reported as it is, not as a refusal', () => {
  expect(check('typo').message).toBe('ERROR 42601: syntax error at or near "selec"');
});

test('a statement over checkTimeout is cancelled, saying the limit', () => {
  const result = check('sleep');
  expect(result.status).toBe('error');
  expect(result.message).toMatch(
    /^ERROR 57014: suite SQL runs read-only as role pgdrill_check, each statement at most 3 s .*canceling statement due to statement timeout/,
  );
});

test('the restored data is unchanged afterwards', () => {
  const rows = run.drills[0]!.checks.filter((c) => c.type === 'rows');
  expect(rows.map((c) => [c.name, c.status])).toEqual([
    ['rows shop.users = 5000', 'passed'],
    ['rows shop.orders = 20000', 'passed'],
  ]);
});

test("pgdrill's own checks (integrity with amcheck, schema, sequences) still pass", () => {
  for (const type of ['integrity', 'schema', 'sequences']) {
    const result = run.drills[0]!.checks.find((c) => c.type === type)!;
    expect([type, result.status, result.message]).toEqual([type, 'passed', result.message]);
  }
  expect(run.drills[0]!.status).toBe('failed');
  expect(run.exitCode).toBe(1);
});

test('through the built CLI: exit 1, an <error> for the refused check, the rows intact, nothing left', async () => {
  const junit = join(lab.dir, 'cli.junit.xml');
  const file = await lab.writeSuite(
    'privileges-cli',
    `name: privileges-cli\n${lab.storageYaml}drills:
  - name: hostile-cli
    source: { pgdump: { store: lab, database: shop, key: formats/shop.dump } }
    checks:
      - sql: { name: wipe, query: "delete from shop.users returning 1", equals: 1 }
      - rows: { table: shop.users, exact: 5000 }
`,
  );
  const cli = await lab.runCli(['run', file, '--engine', 'local', '--junit', junit]);
  expect(cli.exitCode, cli.stderr).toBe(1);
  const xml = await readFile(junit, 'utf8');
  const testcase = (name: string) =>
    xml.slice(xml.indexOf(`name="${name}`), xml.indexOf('</testcase>', xml.indexOf(`name="${name}`)));
  expect(testcase('sql wipe')).toMatch(
    /<error message="ERROR 25006: suite SQL runs read-only as role pgdrill_check [^"]*cannot execute DELETE in a read-only transaction/,
  );
  expect(testcase('rows shop.users"')).toContain('shop.users has 5000 rows, expected exactly 5000');
  expect(testcase('rows shop.users"')).not.toMatch(/<failure|<error/);
  expect(cli.stdout + cli.stderr).not.toMatch(/at .*\.js:\d+/);
  expect(await serverProcessesUnder(cli.tmp)).toEqual([]);
  expect(await leftovers(cli.tmp)).toEqual([]);
}, 300_000);

const docker = await dockerEngineAvailability();
const dockerSkip = docker.usable ? '' : ` (skipped: ${docker.reason})`;

test.skipIf(!docker.usable)(
  `logical restore on the docker engine: the same refusal, the rows intact${dockerSkip}`,
  async () => {
    const json = join(lab.dir, 'docker.json');
    const file = await lab.writeSuite(
      'privileges-docker',
      `name: privileges-docker\n${lab.storageYaml}drills:
  - name: hostile-docker
    source: { pgdump: { store: lab, database: shop, key: formats/shop.dump } }
    checks:
      - sql: { name: wipe, query: "delete from shop.users returning 1", equals: 1 }
      - sql: { name: whoami, query: "select current_user", equals: pgdrill_check }
      - rows: { table: shop.users, exact: 5000 }
`,
    );
    const cli = await lab.runCli(['run', file, '--engine', 'docker', '--json', json]);
    expect(cli.exitCode, cli.stderr).toBe(1);
    const result = await readJson<RunResult>(json);
    expect(result.drills[0]!.checks.map((c) => [c.name, c.status])).toEqual([
      ['sql wipe = 1', 'error'],
      ['sql whoami = pgdrill_check', 'passed'],
      ['rows shop.users = 5000', 'passed'],
    ]);
    expect(result.drills[0]!.checks[0]!.message).toContain('suite SQL runs read-only as role pgdrill_check');
    expect(await pgdrillContainers(cli.tmp)).toEqual([]);
  },
  300_000,
);

describe('physical restores: the restored cluster gets the same read-only role', () => {
  let physical: PhysicalLab;
  beforeAll(async () => {
    physical = await startPhysicalLab();
  }, 600_000);
  afterAll(async () => {
    await physical?.close();
  });

  const runPhysical = async (engine: 'local' | 'docker') => {
    const b = physical.basebackup;
    const json = join(physical.dir, `physical-${engine}.json`);
    const file = await physical.writeSuite(
      `physical-${engine}`,
      `name: physical-${engine}\n${physical.storageYaml}drills:
  - name: basebackup-${engine}
    source: { basebackup: { store: lab, key: ${b.prefix}, database: shop, wal: { prefix: wal/ } } }
    checks:
      - sql: { name: wipe, query: "delete from shop.orders returning 1", equals: 1 }
      - sql: { name: superuser, query: "select rolsuper from pg_roles where rolname = current_user", equals: false }
      - rows: { table: shop.orders, exact: ${b.history.rowsAfterAccident} }
`,
    );
    const cli = await physical.runCli(['run', file, '--engine', engine, '--json', json]);
    expect(cli.exitCode, cli.stderr).toBe(1);
    const result = await readJson<RunResult>(json);
    expect(result.drills[0]!.checks.map((c) => [c.name, c.status])).toEqual([
      ['recovery', 'passed'],
      ['sql wipe = 1', 'error'],
      ['sql superuser = false', 'passed'],
      [`rows shop.orders = ${b.history.rowsAfterAccident}`, 'passed'],
    ]);
    expect(result.drills[0]!.checks[1]!.message).toMatch(
      /suite SQL runs read-only as role pgdrill_check .*cannot execute DELETE in a read-only transaction/,
    );
    expect(await serverProcessesUnder(cli.tmp)).toEqual([]);
    if (engine === 'docker') expect(await pgdrillContainers(cli.tmp)).toEqual([]);
  };

  test('local engine', () => runPhysical('local'), 300_000);
  test.skipIf(!docker.usable)(`docker engine${dockerSkip}`, () => runPhysical('docker'), 300_000);
});
