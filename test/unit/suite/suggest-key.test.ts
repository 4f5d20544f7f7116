import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, loadSuites } from '../../../src/index.js';
import { closestKey, knownKeysAt, levenshtein, unknownKeysMessage } from '../../../src/suite/suggest-key.js';

describe('closestKey', () => {
  test('levenshtein counts single-character edits', () => {
    expect([
      levenshtein('maxx', 'max'),
      levenshtein('tabel', 'table'),
      levenshtein('', 'abc'),
      levenshtein('kitten', 'sitting'),
    ]).toEqual([1, 2, 3, 3]);
  });
  test('suggests a known key within two edits, or the same letters in another case', () => {
    expect(closestKey('maxx', ['table', 'min', 'max'])).toBe('max');
    expect(closestKey('tabel', ['table', 'min', 'max'])).toBe('table');
    expect(closestKey('CHECKTIMEOUT', ['timeout', 'checkTimeout'])).toBe('checkTimeout');
    expect(closestKey('stalltimeout', ['stallTimeout'])).toBe('stallTimeout');
  });
  test('suggests nothing when no key is close, or the key is too short to tell', () => {
    expect(closestKey('surprise', ['store', 'key', 'prefix'])).toBeUndefined();
    expect(closestKey('x', ['max', 'min'])).toBeUndefined();
    expect(closestKey('maxx', [])).toBeUndefined();
  });
  test('the message keeps "unknown key" first and adds the hint per key', () => {
    expect(unknownKeysMessage(['maxx'], ['table', 'max'])).toBe('unknown key "maxx" (did you mean "max"?)');
    expect(unknownKeysMessage(['surprise'], ['table'])).toBe('unknown key "surprise"');
    expect(unknownKeysMessage(['surprise', 'tabel'], ['table'])).toBe(
      'unknown keys "surprise", "tabel" (did you mean "table"?)',
    );
  });
  test('knownKeysAt follows properties, list items, maps and unions of a JSON Schema', () => {
    const schema = {
      type: 'object',
      properties: {
        list: { type: 'array', items: { type: 'object', properties: { a: {}, b: {} } } },
        map: {
          type: 'object',
          additionalProperties: {
            anyOf: [
              { type: 'object', properties: { s3: {} } },
              { type: 'object', properties: { filesystem: {} } },
            ],
          },
        },
      },
    };
    expect(knownKeysAt(schema, [])).toEqual(['list', 'map']);
    expect(knownKeysAt(schema, ['list', 3])).toEqual(['a', 'b']);
    expect(knownKeysAt(schema, ['map', 'prod'])).toEqual(['s3', 'filesystem']);
    expect(knownKeysAt(schema, ['nowhere', 0])).toEqual([]);
  });
});

describe('a suite with an unknown key', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgdrill-suggest-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function problems(yaml: string): Promise<string[]> {
    const file = join(dir, `s${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(file, yaml);
    const error = await loadSuites([file], { env: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).details;
  }

  test('names the key it most likely meant, at every level, and not one the object already has', async () => {
    const list = await problems(
      `${[
        'name: n',
        'storage:',
        '  s: { filesystem: { root: backups } }',
        'drills:',
        '  - name: d',
        '    stalltimeout: 5m',
        '    source: { pgdump: { store: s, key: a.dump, databse: shop } }',
        '    checks:',
        '      - rows: { table: shop.users, min: 1, maxx: 5 }',
        '      - rows: { table: shop.users, max: 1, maxx: 5 }',
        'objectivs: { rto: 1h }',
      ].join('\n')}\n`,
    );
    expect(list).toEqual([
      'drills[0].source.pgdump (line 7): unknown key "databse" (did you mean "database"?)',
      'drills[0].checks[0].rows (line 9): unknown key "maxx" (did you mean "max"?)',
      'drills[0].checks[1].rows (line 10): unknown key "maxx"',
      'drills[0] (line 5): unknown key "stalltimeout" (did you mean "stallTimeout"?)',
      '(top level) (line 1): unknown key "objectivs" (did you mean "objectives"?)',
    ]);
  });
});
