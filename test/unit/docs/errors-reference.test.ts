import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';

// docs/reference/errors.md is written by hand (codes are plain strings, not an enum); these tests keep it
// true to src/: every listed code is raised there, every raised code is listed, and each row's exit code is
// the one the code's error class maps to (exitCodeFor in src/errors.ts).
const ROOT = join(import.meta.dirname, '..', '..', '..');
const DOC = join(ROOT, 'docs', 'reference', 'errors.md');
const EXIT_BY_CLASS: Record<string, number> = {
  ConfigError: 2,
  EngineError: 3,
  StorageError: 3,
  SourceError: 1,
  CommandError: 1,
  DrillError: 70,
};

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
// src/bench is the project's benchmark harness, not part of the package (its BENCH_* codes are not API).
const sources = sourceFiles(join(ROOT, 'src'))
  .filter((file) => !relative(ROOT, file).startsWith(join('src', 'bench')))
  .map((file) => ({ file: relative(ROOT, file), text: readFileSync(file, 'utf8') }));

/** code → the exit codes it is raised with, and where. */
function raisedCodes(): Map<string, { exits: Set<number>; where: Set<string> }> {
  const raised = new Map<string, { exits: Set<number>; where: Set<string> }>();
  const add = (code: string, exit: number, file: string) => {
    const entry = raised.get(code) ?? { exits: new Set<number>(), where: new Set<string>() };
    entry.exits.add(exit);
    entry.where.add(file);
    raised.set(code, entry);
  };
  for (const { file, text } of sources) {
    for (const m of text.matchAll(/new (\w*Error)\(\s*(?:[\w.]+ \? '([A-Z][A-Z0-9_]+)' : )?'([A-Z][A-Z0-9_]+)'/g)) {
      const exit = EXIT_BY_CLASS[m[1]!];
      if (exit === undefined) continue;
      if (m[2]) add(m[2], exit, file);
      add(m[3]!, exit, file);
    }
    // runCommand(…, { errorCode: 'X' }) raises a CommandError with that code.
    for (const m of text.matchAll(/errorCode: '([A-Z][A-Z0-9_]+)'/g)) add(m[1]!, EXIT_BY_CLASS.CommandError!, file);
    // Drill errors built as plain objects: { code: 'DRILL_TIMEOUT', …, exitCode: 3 }
    for (const m of text.matchAll(/\{ code: '([A-Z][A-Z0-9_]+)',[^\n]*?exitCode: (\d+)/g))
      add(m[1]!, Number(m[2]), file);
  }
  return raised;
}

/** Each row of the error-code tables: its codes and the exit codes it names. */
function documentedRows(): { codes: string[]; exits: number[]; line: string }[] {
  const text = readFileSync(DOC, 'utf8');
  const section = text.slice(text.indexOf('## Error codes'));
  return section
    .split('\n')
    .filter((line) => /^\| `[A-Z]/.test(line))
    .map((line) => {
      const [codes, exits] = line.split(' | ');
      return {
        codes: [...codes!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!),
        exits: [...exits!.matchAll(/\d+/g)].map((m) => Number(m[0])),
        line,
      };
    });
}

describe('docs/reference/errors.md', () => {
  const rows = documentedRows();
  const documented = rows.flatMap((r) => r.codes);
  const raised = raisedCodes();

  test('lists codes, each once', () => {
    expect(documented.length).toBeGreaterThan(50);
    expect(documented.filter((c, i) => documented.indexOf(c) !== i)).toEqual([]);
  });

  test('every code it lists exists in src/', () => {
    const missing = documented.filter((code) => !sources.some(({ text }) => text.includes(`'${code}'`)));
    expect(missing, 'codes in docs/reference/errors.md that src/ never uses').toEqual([]);
  });

  test("every code src/ raises is listed (the demo fixtures' FIXTURE_* aside)", () => {
    const unlisted = [...raised]
      .filter(([code]) => !code.startsWith('FIXTURE_') && !documented.includes(code))
      .map(([code, { where }]) => `${code} (${[...where].join(', ')})`);
    expect(unlisted, 'add these to docs/reference/errors.md').toEqual([]);
  });

  test('each row names the exit codes its codes are raised with', () => {
    const wrong = rows.flatMap((row) =>
      row.codes.flatMap((code) => {
        const exits = [...(raised.get(code)?.exits ?? [])].filter((exit) => !row.exits.includes(exit));
        return exits.length
          ? [`${code}: raised with exit ${exits.join(', ')}, the row says ${row.exits.join(' or ')}`]
          : [];
      }),
    );
    expect(wrong).toEqual([]);
  });
});
