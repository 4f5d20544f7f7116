import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { initSuite } from '../../../src/init/init-suite.js';
import { schemaModeline } from '../../../src/init/schema-modeline.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SCHEMA = 'node_modules/pgdrill/schema/suite.schema.json';

describe('schemaModeline: a path from the suite to the schema npm installed, as the language server resolves it', () => {
  const fs =
    (...present: string[]) =>
    (path: string) =>
      present.includes(path);

  test('beside the node_modules that holds pgdrill', () => {
    expect(schemaModeline('/repo', fs(`/repo/${SCHEMA}`))).toBe(`# yaml-language-server: $schema=./${SCHEMA}`);
  });
  test('from a subdirectory, up to the nearest node_modules holding pgdrill (not the nearest package.json)', () => {
    expect(schemaModeline('/repo/ops/drills', fs(`/repo/${SCHEMA}`, '/repo/ops/package.json'))).toBe(
      `# yaml-language-server: $schema=../../${SCHEMA}`,
    );
  });
  test('not installed yet (npx, a global install): where npm install would put it, beside the nearest package.json', () => {
    expect(schemaModeline('/repo/ops', fs('/repo/package.json'))).toBe(`# yaml-language-server: $schema=../${SCHEMA}`);
  });
  test('no project at all: beside the suite', () => {
    expect(schemaModeline('/tmp/x', fs())).toBe(`# yaml-language-server: $schema=./${SCHEMA}`);
  });
});

describe('pgdrill init output', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgdrill-init-modeline-'));
    await mkdir(join(dir, 'backups', 'daily'), { recursive: true });
    // The first bytes of a custom-format dump: enough for init to recognise it (init never restores).
    await writeFile(
      join(dir, 'backups', 'daily', 'shop-2026-11-20.dump'),
      Buffer.from('PGDMP\x01\x0e\x00\x04\x08\x01\x01\x01', 'latin1'),
    );
    await mkdir(join(dir, 'project', 'node_modules', 'pgdrill', 'schema'), { recursive: true });
    await mkdir(join(dir, 'project', 'drills'));
    await writeFile(join(dir, 'project', 'package.json'), '{}\n');
    await copyFile(join(ROOT, 'schema', 'suite.schema.json'), join(dir, 'project', SCHEMA));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('starts with the modeline, and the suite as written validates against the schema it names', async () => {
    const out = join(dir, 'project', 'drills', 'nightly.yaml');
    const result = await initSuite({ from: join(dir, 'backups'), out, now: new Date('2026-11-21T00:00:00Z') });
    const text = await readFile(out, 'utf8');
    expect(text).toBe(result.yaml);
    const [first, second] = text.split('\n');
    expect(first).toBe(`# yaml-language-server: $schema=../${SCHEMA}`);
    expect(second).toMatch(/^# Written by pgdrill init from /);
    const schemaFile = join(dir, 'project', 'drills', first!.split('$schema=')[1]!);
    const validate = new Ajv({ allErrors: true, strict: false }).compile(
      JSON.parse(await readFile(schemaFile, 'utf8')),
    );
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
  });
});
