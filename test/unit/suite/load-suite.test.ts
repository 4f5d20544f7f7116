import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, loadSuites, suiteJsonSchema } from '../../../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-suite-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(yaml: string, env: Record<string, string> = {}) {
  const file = join(dir, `s${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, yaml);
  return (await loadSuites([file], { env }))[0]!;
}

async function problems(yaml: string, env: Record<string, string> = {}): Promise<string[]> {
  const error = await load(yaml, env).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).details;
}

const storage = 'storage:\n  s: { filesystem: { root: backups } }\n';

describe('loading a suite', () => {
  test('interpolates ${VAR}, ${VAR:-default} and $${, and resolves paths against the suite file', async () => {
    const suite = await load(
      `name: n\n${storage}drills:\n  - name: d\n    source: { pgdump: { store: s, key: "\${KEY}", database: "\${DB:-shop}" } }\n    checks:\n      - sql: { query: "select '$\${literal}'", equals: x }\n`,
      { KEY: 'a.dump' },
    );
    const drill = suite.drills[0]!;
    expect(drill.source.kind === 'pgdump' && drill.source.archives[0]!.key).toBe('a.dump');
    expect(drill.source.kind === 'pgdump' && drill.source.options.database).toBe('shop');
    expect(drill.checks[0]!.options).toMatchObject({ query: "select '${literal}'" });
    expect(suite.storage.s).toEqual({ filesystem: { root: join(dir, 'backups') } });
    expect(drill.timeoutSeconds).toBe(7200);
  });

  test('an S3 store takes the read budget: readAttempts as given, readIdleTimeout as milliseconds (at least 100)', async () => {
    const s3 = (extra: string) =>
      `name: n\nstorage:\n  s: { s3: { bucket: b${extra} } }\ndrills:\n  - name: d\n    source: { pgdump: { store: s, key: a.dump } }\n`;
    expect((await load(s3(', readAttempts: 8, readIdleTimeout: 90s'))).storage.s).toMatchObject({
      s3: { readAttempts: 8, readIdleTimeoutMs: 90_000 },
    });
    expect((await load(s3(', readIdleTimeout: 0'))).storage.s).toMatchObject({ s3: { readIdleTimeoutMs: 100 } });
    expect((await load(s3(''))).storage.s).not.toHaveProperty('s3.readIdleTimeoutMs');
    expect((await problems(s3(', readAttempts: 0'))).join('\n')).toMatch(/storage\.s\.s3\.readAttempts/);
  });

  test('collects every problem at once, each with its path and line', async () => {
    const list = await problems(
      `name: n\n${storage}drills:\n  - name: d\n    source: { pgdump: { store: s, key: 1, surprise: true } }\n    checks:\n      - rows: { table: t, min: "x" }\n      - rows: { table: t, min: 1 }\n        sql: { query: q, empty: true }\n`,
    );
    expect(list).toEqual([
      expect.stringMatching(/^drills\[0\]\.source\.pgdump\.key \(line 6\): .*expected string/),
      expect.stringMatching(/^drills\[0\]\.source\.pgdump \(line 6\): unknown key "surprise"/),
      expect.stringMatching(/^drills\[0\]\.checks\[0\]\.rows\.min \(line 8\): .*expected number/),
      expect.stringMatching(/^drills\[0\]\.checks\[1\] \(line 9\): expected exactly one check type .* found rows, sql/),
    ]);
  });

  test('names an unset environment variable with its field', async () => {
    expect(
      await problems(
        `name: n\n${storage}drills:\n  - name: d\n    source: { pgdump: { store: s, prefix: "\${NOPE}" } }\n`,
      ),
    ).toEqual([
      expect.stringMatching(/^drills\[0\]\.source\.pgdump\.prefix \(line 6\): environment variable NOPE is not set/),
    ]);
  });

  test('rules: duplicate names, unknown stores, key xor prefix, targets only for physical sources', async () => {
    const list = await problems(`name: n\n${storage}drills:
  - name: d
    source: { pgdump: { store: s, key: a, prefix: b } }
    target: { xid: 5 }
  - name: d
    source: { pgbackrest: { store: nope, stanza: main } }
  - name: e
    source: { basebackup: { store: s, key: x, wal: { store: gone, prefix: wal/ } } }
`);
    expect(list).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^drills\[0\]\.source\.pgdump \(line \d+\): give exactly one of key .* or prefix/),
        expect.stringMatching(/^drills\[0\]\.target \(line \d+\): a recovery target needs a physical source/),
        expect.stringMatching(/^drills\[1\]\.name \(line \d+\): duplicate drill name "d" \(also drills\[0\]\)/),
        expect.stringMatching(
          /^drills\[1\]\.source\.pgbackrest\.store \(line \d+\): unknown store "nope"; defined stores: s/,
        ),
        expect.stringMatching(/^drills\[2\]\.source\.basebackup\.wal\.store \(line \d+\): unknown store "gone"/),
      ]),
    );
    expect(list).toHaveLength(5);
  });

  test('the JSON Schema lists every source kind and check type', () => {
    const text = JSON.stringify(suiteJsonSchema());
    for (const key of [
      'pgdump',
      'pgbackrest',
      'basebackup',
      'barmanCloud',
      'rows',
      'sequences',
      'schema',
      'sql',
      'duration',
      'recovery',
      'beforeArchiveEnd',
    ])
      expect(text).toContain(`"${key}"`);
  });
});
