import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createEventRenderer } from '../../../src/cli/render-events.js';
import { createLocalEngine, formatSummary, loadSuites, runSuites, writeJUnitReport, type Engine, type RunResult } from '../../../src/index.js';
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
  const sink = new Writable({ write: (chunk, _e, done) => ((rendered += chunk.toString()), done()) }) as unknown as NodeJS.WriteStream;
  run = await runSuites(await loadSuites([file]), { engines: [engine], emit: createEventRenderer(sink), env: process.env });
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
