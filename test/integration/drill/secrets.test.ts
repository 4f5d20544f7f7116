import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createEventRenderer } from '../../../src/cli/render-events.js';
import {
  createLocalEngine,
  formatSummary,
  loadSuites,
  runSuites,
  writeJUnitReport,
  type Engine,
  type RunResult,
} from '../../../src/index.js';
import { startBackupLab, type BackupLab } from '../../support/backup-lab.js';

// Restored data is production data: the server's password and the backup key appear nowhere.
let lab: BackupLab;
let out: string;
const passwords: string[] = [];
let run: RunResult;
let rendered = '';

beforeAll(async () => {
  lab = await startBackupLab();
  out = await mkdtemp(join(tmpdir(), 'pgdrill-secrets-'));
  const local = createLocalEngine();
  // The real local engine, remembering each server's password so the test can search for it.
  const engine: Engine = {
    kind: 'local',
    probe: () => local.probe(),
    start: async (spec) => {
      const server = await local.start(spec);
      passwords.push(server.connection.password);
      return server;
    },
  };
  const file = await lab.writeSuite(
    'secrets',
    `name: secrets\n${lab.storageYaml}drills:
  - name: encrypted
    source: { pgdump: { store: lab, database: shop, key: formats/shop.dump.gz.enc, decrypt: { keyEnv: LAB_KEY } } }
    checks:
      - rows: { table: shop.users, min: 99999999 }
      - sql: { query: "select nonsense from nowhere", equals: 1 }
  - name: broken
    source: { pgdump: { store: lab, database: shop, key: parts/2-data.dump, dataOnly: true } }
`,
  );
  Object.assign(process.env, lab.env);
  const sink = new Writable({
    write: (chunk, _e, done) => ((rendered += chunk.toString()), done()),
  }) as unknown as NodeJS.WriteStream;
  run = await runSuites(await loadSuites([file]), {
    engines: [engine],
    emit: createEventRenderer(sink),
    env: process.env,
  });
  await writeJUnitReport(run, join(out, 'r.junit.xml'));
}, 300_000);

afterAll(async () => {
  await lab?.close();
  await rm(out, { recursive: true, force: true });
});

test('no password or decryption key in JUnit, JSON, the summary or the progress log', async () => {
  expect(run.drills.map((d) => d.status)).toEqual(['failed', 'failed']);
  expect(passwords).toHaveLength(2);
  const texts = [await readFile(join(out, 'r.junit.xml'), 'utf8'), JSON.stringify(run), formatSummary(run), rendered];
  for (const text of texts) {
    for (const secret of [...passwords, lab.passphrase]) expect(text).not.toContain(secret);
  }
});

test('reports carry a connection string without a password', () => {
  expect(run.drills[0]!.engine!.connection).toMatch(/^postgresql:\/\/pgdrill@127\.0\.0\.1:\d+\/shop$/);
});

test('a ${SECRET} a suite puts in a check name or query reaches no output: stdout, stderr, JUnit, JSON, HTML, Markdown', async () => {
  const files = {
    junit: join(out, 'cli.junit.xml'),
    json: join(out, 'cli.json'),
    html: join(out, 'cli.html'),
    md: join(out, 'cli.md'),
  };
  const file = await lab.writeSuite(
    'secrets-cli',
    `name: secrets-cli\n${lab.storageYaml}drills:
  - name: interpolated
    source: { pgdump: { store: lab, database: shop, key: formats/shop.dump.gz.enc, decrypt: { keyEnv: LAB_KEY } } }
    checks:
      - sql: { name: "key \${LAB_KEY}", query: "select '\${LAB_KEY}'", equals: "not the key" }
      - sql: { query: "select '\${LAB_KEY}'::int", equals: 1 }
      - sql: { name: "aws \${AWS_SECRET_ACCESS_KEY}", query: "select 1 from nowhere_\${AWS_SECRET_ACCESS_KEY}", equals: 1 }
      - rows: { table: shop.users, exact: 5000 }
`,
  );
  const cli = await lab.runCli([
    'run',
    file,
    '--engine',
    'local',
    '--junit',
    files.junit,
    '--json',
    files.json,
    '--report',
    files.html,
    '--report',
    files.md,
  ]);
  expect(cli.exitCode, cli.stderr).toBe(1);
  const outputs: Record<string, string> = { stdout: cli.stdout, stderr: cli.stderr };
  for (const [name, path] of Object.entries(files)) outputs[name] = await readFile(path, 'utf8');
  const secrets = [lab.passphrase, lab.env.AWS_SECRET_ACCESS_KEY!];
  expect(secrets.every((s) => s.length >= 4)).toBe(true);
  for (const [name, text] of Object.entries(outputs)) {
    for (const secret of secrets)
      expect(text.toLowerCase().includes(secret.toLowerCase()), `${name} holds a secret`).toBe(false);
  }
  // The secret was there to leak and was replaced, not dropped: the checks ran and say so with ***.
  const report = JSON.parse(outputs.json!) as {
    drills: { checks: { name: string; status: string; message: string }[] }[];
  };
  const checks = report.drills[0]!.checks.map((c) => [c.name, c.status]);
  expect(checks).toEqual([
    ['sql key *** = not the key', 'failed'],
    ["sql select '***'::int = 1", 'error'],
    ['sql aws *** = 1', 'error'],
    ['rows shop.users = 5000', 'passed'],
  ]);
  expect(report.drills[0]!.checks[0]!.message).toBe('key ***: query returned ***, expected not the key');
  expect(report.drills[0]!.checks[1]!.message).toContain('invalid input syntax for type integer: "***"');
  expect(outputs.stderr).toContain('✗ sql key *** = not the key: key ***: query returned ***');
}, 300_000);
