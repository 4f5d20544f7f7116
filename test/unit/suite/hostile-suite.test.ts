import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, loadSuites } from '../../../src/index.js';
import { MAX_SUITE_BYTES, MAX_SUITE_DEPTH } from '../../../src/suite/parse-suite-yaml.js';

// Suites that would crash or exhaust pgdrill are refused while loading, as a ConfigError (exit 2).
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-hostile-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(text: string): Promise<{ file: string; error: ConfigError }> {
  const file = join(dir, `s${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, text);
  const error = await loadSuites([file], { env: {} }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).code).toBe('SUITE_INVALID');
  return { file, error: error as ConfigError };
}

const storage = 'storage:\n  s: { filesystem: { root: backups } }\n';

/** Billion laughs: each level refers to the one before nine times. */
function aliasBomb(levels = 9): string {
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < levels; i++)
    lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(',')}]`);
  return `${lines.join('\n')}\nname: bomb\ndrills: [{ name: d, source: { pgdump: { store: s, key: k } } }]\n`;
}

describe('hostile suites', () => {
  test('a pgdump pattern that is not a regular expression is a problem with its path and line', async () => {
    const { error } = await refusal(
      `name: n\n${storage}drills:\n  - name: d\n    source: { pgdump: { store: s, prefix: a/, pattern: "orders-(.*" } }\n`,
    );
    expect(error.details).toEqual([
      expect.stringMatching(
        /^drills\[0\]\.source\.pgdump\.pattern \(line 6\): not a valid regular expression: .*Unterminated group/,
      ),
    ]);
  });

  test('a bad pattern inside archives and on a basebackup source is found too; a good one is accepted', async () => {
    const { error } = await refusal(`name: n\n${storage}drills:
  - name: d
    source: { pgdump: { store: s, archives: [{ prefix: a/, pattern: "^a$" }, { prefix: b/, pattern: "[b" }] } }
  - name: e
    source: { basebackup: { store: s, prefix: base/, pattern: "*x", wal: { prefix: wal/ } } }
`);
    expect(error.details).toEqual([
      expect.stringMatching(
        /^drills\[0\]\.source\.pgdump\.archives\[1\]\.pattern \(line \d+\): not a valid regular expression: .*Unterminated character class/,
      ),
      expect.stringMatching(
        /^drills\[1\]\.source\.basebackup\.pattern \(line \d+\): not a valid regular expression: .*Nothing to repeat/,
      ),
    ]);
  });

  test('a YAML alias bomb is refused without expanding it', async () => {
    const before = process.memoryUsage().heapUsed;
    const { file, error } = await refusal(aliasBomb());
    expect(error.message).toBe(
      `${file} cannot be loaded: its aliases expand too far (Excessive alias count indicates a resource exhaustion attack)`,
    );
    expect(error.hint).toMatch(/at most 100 aliases/);
    // 9^9 strings would be hundreds of MB; refusing it costs next to nothing.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
  });

  test('a few aliases, as people use them to share a block, still load', async () => {
    const file = join(dir, 'anchors.yaml');
    await writeFile(
      file,
      `name: n\n${storage}x-src: &src { pgdump: { store: s, key: k } }\ndrills:\n  - { name: a, source: *src }\n  - { name: b, source: *src }\n`,
    );
    // The unknown top-level key is the only problem: the aliases themselves expanded fine.
    const error = await loadSuites([file], { env: {} }).catch((e: unknown) => e);
    expect((error as ConfigError).details).toEqual([expect.stringMatching(/^\(top level\).*unknown key "x-src"/)]);
  });

  test('nesting deeper than any suite field is refused with the depth', async () => {
    let text = 'name: n\nx:\n';
    for (let i = 1; i <= MAX_SUITE_DEPTH + 5; i++) text += `${'  '.repeat(i)}k:\n`;
    text += `${'  '.repeat(MAX_SUITE_DEPTH + 6)}v: 1\n`;
    const { file, error } = await refusal(text);
    expect(error.message).toBe(
      `${file} nests ${MAX_SUITE_DEPTH + 1} levels deep; a suite may nest at most ${MAX_SUITE_DEPTH}`,
    );
  });

  test('flow nesting deep enough to overflow the parser is a YAML problem, not a crash', async () => {
    const { error } = await refusal(`a: ${'['.repeat(20000)}${']'.repeat(20000)}\n`);
    expect(error.message).toMatch(/is not valid YAML|nests \d+ levels deep|cannot be loaded: it nests too deeply/);
  });

  test('a file over the size limit is refused before it is parsed', async () => {
    const { file, error } = await refusal(`name: n\n# ${'x'.repeat(MAX_SUITE_BYTES)}\n`);
    expect(error.message).toBe(
      `${file} is ${MAX_SUITE_BYTES + 11} bytes; a suite may be at most ${MAX_SUITE_BYTES} bytes`,
    );
  });
});
