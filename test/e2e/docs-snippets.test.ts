import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, test } from 'vitest';

// Every YAML snippet in the README and docs/ is a real file that the built CLI validates: a ```yaml block
// sits between `<!-- include: <file> -->` and `<!-- include:end -->` (scripts/update-docs.mjs copies the
// file in; `npm run docs:check` fails when it is stale) or right after `<!-- not-a-suite: <why> -->`.
const ROOT = join(import.meta.dirname, '..', '..');
const SUITE_DIRS = ['suites', join('docs', 'guides', 'examples')];
// The variables the example suites read without a default; `validate` fails on an unset ${VAR}.
const SNIPPET_ENV = {
  BACKUP_BUCKET: 'prod-backups',
  PGBACKREST_BUCKET: 'pgbackrest-repo',
  WAL_BUCKET: 'wal-archive',
  PGDRILL_DEMO_S3_ENDPOINT: 'https://127.0.0.1:9000',
  PGDRILL_DEMO_S3_CA: '/dev/null',
};

const validate = (files: string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [join(ROOT, 'dist', 'cli', 'main.js'), 'validate', ...files],
      { env: { ...process.env, ...SNIPPET_ENV } },
      (_e, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });

const markdownFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
const docs = [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'))];

interface YamlBlock {
  where: string;
  content: string;
  include?: string;
  notASuite?: boolean;
}

function yamlBlocks(file: string): YamlBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: YamlBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)```(\w*)/.exec(lines[i]!);
    if (!fence) continue;
    const end = lines.findIndex((line, j) => j > i && line.trim() === '```');
    if (['yaml', 'yml'].includes(fence[2]!.toLowerCase())) {
      const before =
        lines
          .slice(0, i)
          .reverse()
          .find((line) => line.trim() !== '')
          ?.trim() ?? '';
      blocks.push({
        where: `${relative(ROOT, file)}:${i + 1}`,
        content: lines.slice(i + 1, end).join('\n'),
        include: /^<!-- include: (\S+) -->$/.exec(before)?.[1],
        notASuite: /^<!-- not-a-suite: .+ -->$/.test(before),
      });
    }
    i = end;
  }
  return blocks;
}

const blocks = docs.flatMap(yamlBlocks);
const exampleSuites = SUITE_DIRS.flatMap((dir) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f)),
);

test('every ```yaml block in the README and docs/ is an included file or marked as not a suite', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(5);
  const unmarked = blocks.filter((b) => !b.include && !b.notASuite).map((b) => b.where);
  expect(
    unmarked,
    'put the snippet in a file and include it with <!-- include: path -->, or mark it <!-- not-a-suite: why -->',
  ).toEqual([]);
});

test('every included snippet is identical to its file, and that file is an example suite', () => {
  for (const block of blocks.filter((b) => b.include)) {
    expect(block.content, `${block.where} differs from ${block.include}: run npm run docs`).toBe(
      readFileSync(join(ROOT, block.include!), 'utf8').replace(/\n$/, ''),
    );
    expect(
      exampleSuites,
      `${block.where} includes ${block.include}, which is not in ${SUITE_DIRS.join(' or ')}`,
    ).toContain(block.include);
  }
});

test('every example suite (suites/, docs/guides/examples/) validates with the built CLI', async () => {
  expect(exampleSuites.length).toBeGreaterThanOrEqual(8);
  const result = await validate(exampleSuites.map((f) => join(ROOT, f)));
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout.match(/, valid$/gm)).toHaveLength(exampleSuites.length);
});

test('the documented variable is what an unset one is reported as', async () => {
  // docs/guides/pgdump-s3.md tells readers to set BACKUP_BUCKET before validating suites/nightly-pgdump.yaml.
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [join(ROOT, 'dist', 'cli', 'main.js'), 'validate', join(ROOT, 'suites', 'nightly-pgdump.yaml')],
      { env: { ...process.env, BACKUP_BUCKET: '' } },
      (_e, _out, stderr) => resolve({ code: child.exitCode, stderr }),
    );
  });
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/environment variable BACKUP_BUCKET is not set/);
  expect(readFileSync(join(ROOT, 'docs', 'guides', 'pgdump-s3.md'), 'utf8')).toContain('BACKUP_BUCKET=');
});

// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
// docs/benchmarks.md is written alongside these docs by the benchmark work; it is linked before it lands.
const LINKED_AHEAD = new Set([join('docs', 'benchmarks.md')]);

test('every relative link in the README and docs/ points at a file (and heading) that exists', () => {
  const broken: string[] = [];
  for (const file of docs) {
    const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = m[1]!;
      if (/^[a-z]+:/i.test(link)) continue;
      const [path, anchor] = link.split('#') as [string, string | undefined];
      const target = path ? join(file, '..', path) : file;
      const shown = `${relative(ROOT, file)} → ${link}`;
      if (LINKED_AHEAD.has(relative(ROOT, target))) continue;
      let targetText: string | undefined;
      try {
        targetText = readFileSync(target, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EISDIR') continue;
        broken.push(`${shown} (no such file)`);
        continue;
      }
      if (anchor && target.endsWith('.md')) {
        const headings = [...targetText.matchAll(/^#+ (.+)$/gm)].map((h) => slug(h[1]!));
        if (!headings.includes(anchor)) broken.push(`${shown} (no such heading)`);
      }
    }
  }
  expect(broken).toEqual([]);
});
