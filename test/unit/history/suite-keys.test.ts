import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ConfigError, loadSuites } from '../../../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-alerts-suite-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const storage =
  'storage:\n  prod: { s3: { bucket: b, endpoint: "https://127.0.0.1:9000", prefix: db1 } }\n  same: { s3: { bucket: b, endpoint: "https://127.0.0.1:9000" } }\n';
const drills =
  'drills:\n  - name: dump\n    source: { pgdump: { store: prod, prefix: daily/ } }\n  - name: pitr\n    source: { basebackup: { store: prod, prefix: base/, wal: { prefix: wal } } }\n';

async function load(yaml: string) {
  const file = join(dir, `s${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, yaml);
  return (await loadSuites([file]))[0]!;
}

async function problems(yaml: string): Promise<string[]> {
  const error = await load(yaml).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).details;
}

test('metrics, notify (list or object) and history resolve: paths against the suite file, durations in seconds', async () => {
  const suite = await load(
    `name: n\n${storage}${drills}metrics: { textfile: out/pgdrill.prom, pushgateway: { url: "http://127.0.0.1:9091", timeout: 5s } }\n` +
      'notify: [ { webhook: { urlEnv: HOOK } }, { slack: { urlEnv: SLACK_WEBHOOK_URL, on: always, attempts: 5 } } ]\nhistory: { s3: { store: prod, prefix: pgdrill-history/ } }\n',
  );
  expect(suite.metrics).toEqual({
    textfile: join(dir, 'out/pgdrill.prom'),
    pushgateway: { url: 'http://127.0.0.1:9091', job: 'pgdrill', timeoutSeconds: 5 },
  });
  expect(suite.notify?.channels).toEqual([
    { kind: 'webhook', urlEnv: 'HOOK', on: ['failure'], timeoutSeconds: 10, attempts: 3 },
    { kind: 'slack', urlEnv: 'SLACK_WEBHOOK_URL', on: ['always'], timeoutSeconds: 10, attempts: 5 },
  ]);
  expect(suite.history).toMatchObject({
    kind: 's3',
    storeName: 'prod',
    prefix: 'pgdrill-history/',
    store: { bucket: 'b', prefix: 'db1' },
  });
  const object = await load(
    `name: n\n${storage}${drills}notify: { reportUrl: "https://ci.example/artifacts/1", channels: [ { webhook: { urlEnv: HOOK, on: [failure, success] } } ] }\nhistory: { file: h.jsonl }\n`,
  );
  expect(object.notify).toMatchObject({
    reportUrl: 'https://ci.example/artifacts/1',
    channels: [{ on: ['failure', 'success'] }],
  });
  expect(object.history).toEqual({ kind: 'file', path: join(dir, 'h.jsonl') });
});

test('a history prefix that overlaps a source prefix in the same bucket is a suite error, whatever the store is called', async () => {
  // prod has root prefix db1/, so its source daily/ is db1/daily/ in bucket b; "same" is the same bucket without a root.
  const found = await problems(`name: n\n${storage}${drills}history: { s3: { store: same, prefix: db1/ } }\n`);
  expect(found).toHaveLength(3);
  expect(found[0]).toMatch(
    /^history\.s3\.prefix \(line \d+\): history prefix "db1\/" overlaps the source of drills\[0\] \(dump\): "db1\/daily\/" in bucket b/,
  );
  expect(found.join('\n')).toContain('"db1/wal"');
  // A prefix inside a source prefix overlaps too.
  expect(
    await problems(`name: n\n${storage}${drills}history: { s3: { store: prod, prefix: daily/history/ } }\n`),
  ).toHaveLength(1);
  // Beside the sources: no problem; `wal` (no slash) would list `wal-history/` too, so that one overlaps.
  await expect(
    load(`name: n\n${storage}${drills}history: { s3: { store: prod, prefix: history/ } }\n`),
  ).resolves.toBeDefined();
  expect(
    await problems(`name: n\n${storage}${drills}history: { s3: { store: prod, prefix: wal-history/ } }\n`),
  ).toHaveLength(1);
});

test('bad metrics, notify and history options each get a clear error with their path', async () => {
  const found = await problems(
    `name: n\n${storage}${drills}metrics: { pushgateway: { url: "https://ops:s3cret@push.example:9091" } }\n` +
      'notify: { channels: [ { webhook: { urlEnv: "not a name" }, slack: { urlEnv: S } } ] }\nhistory: { file: h.jsonl, postgres: { urlEnv: PG } }\n',
  );
  expect(found).toEqual([
    expect.stringMatching(/^metrics\.pushgateway\.url \(line \d+\): credentials do not belong in the suite: .*urlEnv/),
    expect.stringMatching(
      /^notify\.channels\[0\]\.webhook\.urlEnv \(line \d+\): expected an environment variable name/,
    ),
    expect.stringMatching(
      /^notify\.channels\[0\] \(line \d+\): expected exactly one channel kind \(webhook, slack\), found webhook, slack/,
    ),
    expect.stringMatching(
      /^history \(line \d+\): expected exactly one history kind \(file, s3, postgres\), found file, postgres/,
    ),
  ]);
  expect(found.join('\n')).not.toContain('s3cret');
  expect(await problems(`name: n\n${storage}${drills}notify: [ { email: { to: x } } ]\n`)).toEqual([
    expect.stringMatching(/^notify\[0\] \(line \d+\): unknown key "email"/),
    expect.stringMatching(
      /^notify\[0\] \(line \d+\): expected exactly one channel kind \(webhook, slack\), found none/,
    ),
  ]);
});
