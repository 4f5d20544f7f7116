import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';

// Hostile suite files through the built CLI: `pgdrill validate` exits 2 naming the file and the problem,
// with no stack trace (they used to pass validate and crash the run with exit 70).
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-hostile-e2e-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function validate(file: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, 'validate', file], (_error, stdout, stderr) =>
      resolve({ exitCode: child.exitCode ?? -1, stdout, stderr }),
    );
  });
}

const bomb = [
  'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(',')}]`),
  'name: bomb',
  'drills: [{ name: d, source: { pgdump: { store: s, key: k } } }]',
].join('\n');

const cases = [
  {
    name: 'a pattern that is not a regular expression',
    text: 'name: n\nstorage:\n  s: { filesystem: { root: b } }\ndrills:\n  - name: d\n    source: { pgdump: { store: s, prefix: a/, pattern: "orders-(.*" } }\n',
    message: /drills\[0\]\.source\.pgdump\.pattern \(line 6\): not a valid regular expression/,
  },
  { name: 'a YAML alias bomb', text: bomb, message: /cannot be loaded: its aliases expand too far/ },
  {
    name: 'absurdly deep nesting',
    text: `name: n\nx: ${'{k: '.repeat(100)}1${'}'.repeat(100)}\n`,
    message: /nests \d+ levels deep; a suite may nest at most 64/,
  },
];

for (const c of cases) {
  test(`validate refuses ${c.name}: exit 2 with the file and the problem, no stack trace`, async () => {
    const file = join(dir, `${c.name.replace(/\W+/g, '-')}.yaml`);
    await writeFile(file, c.text);
    const result = await validate(file);
    expect(result.exitCode, result.stderr).toBe(2);
    const out = result.stdout + result.stderr;
    expect(out).toContain(`SUITE_INVALID: ${file}`);
    expect(out).toMatch(c.message);
    expect(out).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
  });
}
