import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, loadSuites, type ResolvedSuite } from '../../../src/index.js';
import { selectDrills } from '../../../src/cli/select-drills.js';

// `run --drill/--tag` on real suites loaded from files: two suites, one drill name in both.
let dir: string;
let suites: ResolvedSuite[];

const suite = (name: string, drills: [string, string[]][]) =>
  `name: ${name}\nstorage:\n  s: { filesystem: { root: backups } }\ndrills:\n${drills
    .map(
      ([d, tags]) =>
        `  - name: ${d}\n    tags: [${tags.join(', ')}]\n    source: { pgdump: { store: s, prefix: ${d}/ } }\n    checks: [{ freshness: { maxAge: 26h } }]\n`,
    )
    .join('')}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-select-'));
  await writeFile(
    join(dir, 'a.yaml'),
    suite('a', [
      ['orders', ['nightly', 'logical']],
      ['users', ['weekly']],
      ['events', []],
    ]),
  );
  await writeFile(
    join(dir, 'b.yaml'),
    suite('b', [
      ['orders', ['weekly']],
      ['billing', ['nightly']],
    ]),
  );
  suites = await loadSuites([join(dir, 'a.yaml'), join(dir, 'b.yaml')], { env: {} });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const picked = (selected: ResolvedSuite[]) =>
  selected.map((s) => `${s.name}: ${s.drills.map((d) => d.name).join(' ')}`);

function refusal(selection: Parameters<typeof selectDrills>[1]): ConfigError {
  try {
    selectDrills(suites, selection);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('NO_DRILL_SELECTED');
    return error as ConfigError;
  }
  throw new Error('the selection was accepted');
}

describe('selectDrills', () => {
  test('no --drill and no --tag keeps every drill', () => {
    expect(selectDrills(suites, {})).toBe(suites);
    expect(selectDrills(suites, { names: [], tags: [] })).toBe(suites);
  });

  test('--drill keeps the drills of that name in every suite, suites in their order', () => {
    expect(picked(selectDrills(suites, { names: ['orders'] }))).toEqual(['a: orders', 'b: orders']);
    expect(picked(selectDrills(suites, { names: ['billing', 'users'] }))).toEqual(['a: users', 'b: billing']);
  });

  test('--tag keeps the drills carrying any of the tags', () => {
    expect(picked(selectDrills(suites, { tags: ['weekly'] }))).toEqual(['a: users', 'b: orders']);
    expect(picked(selectDrills(suites, { tags: ['logical', 'weekly'] }))).toEqual(['a: orders users', 'b: orders']);
  });

  test('--drill with --tag keeps the drills that match both', () => {
    expect(picked(selectDrills(suites, { names: ['orders'], tags: ['weekly'] }))).toEqual(['a: ', 'b: orders']);
  });

  test('a name no suite has is refused, naming every drill there is', () => {
    const error = refusal({ names: ['orders', 'ordres'] });
    expect(error.message).toBe(`no drill named ordres in ${join(dir, 'a.yaml')}, ${join(dir, 'b.yaml')}`);
    expect(error.hint).toBe('drills: orders, users, events, orders, billing');
  });

  test('a tag no drill carries is refused, naming the tags and the drills that carry them', () => {
    const error = refusal({ tags: ['monthly'] });
    expect(error.message).toMatch(/^no drill tagged monthly in /);
    expect(error.hint).toBe(
      'tags: logical, nightly, weekly (drills: orders [nightly, logical], users [weekly], events [], orders [weekly], billing [nightly])',
    );
  });

  test('a name and a tag that exist but never together are refused, naming the tags the drill has', () => {
    const error = refusal({ names: ['users'], tags: ['nightly'] });
    expect(error.message).toMatch(/^no drill named users is tagged nightly in /);
    expect(error.hint).toBe('drills and their tags: users [weekly]');
  });

  test('suites without tags say so when a tag is asked for', async () => {
    await writeFile(join(dir, 'plain.yaml'), suite('plain', [['only', []]]));
    const plain = await loadSuites([join(dir, 'plain.yaml')], { env: {} });
    expect(() => selectDrills(plain, { tags: ['nightly'] })).toThrow(
      expect.objectContaining({
        code: 'NO_DRILL_SELECTED',
        hint: expect.stringMatching(/^no drill of these suites has tags/),
      }),
    );
  });
});
