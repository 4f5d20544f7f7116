import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../src/manifest/manifest-schema.js';
import { formatColumnName, parseColumnName } from '../../../src/manifest/read-timestamps.js';
import { manifest } from './manifest-fixture.js';

function errorOf(fn: () => unknown): { code: string; message: string; details: string[]; hint?: string } {
  try {
    fn();
  } catch (error) {
    return error as never;
  }
  throw new Error('expected an error');
}

describe('parseManifest', () => {
  it('accepts a manifest as JSON text or as a value, ignoring fields a newer pgdrill adds', () => {
    const value = manifest();
    expect(parseManifest(JSON.stringify(value))).toEqual(value);
    expect(parseManifest({ ...value, somethingNew: true })).toEqual(value);
  });

  it('says when the text is not JSON', () => {
    const error = errorOf(() => parseManifest('{"manifestVersion": 1,', 'manifest m.json'));
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toMatch(/^manifest m\.json is not JSON: /);
  });

  it('says what a file without a version is, and which versions this pgdrill reads', () => {
    expect(errorOf(() => parseManifest({ tables: [] })).message).toMatch(
      /^the manifest is not a valid pgdrill manifest \(\d+ problems\): manifestVersion: missing: this is not a pgdrill manifest/,
    );
    expect(errorOf(() => parseManifest({ ...manifest(), manifestVersion: 2 })).message).toBe(
      'the manifest is not a valid pgdrill manifest (1 problem): manifestVersion: manifest version 2 is not supported: this pgdrill reads version 1',
    );
  });

  it('lists every problem with its path', () => {
    const broken = {
      ...manifest(),
      capturedAt: 'yesterday',
      tables: [{ ...manifest().tables[0], rows: -1 }],
      sequences: [{ ...manifest().sequences[0], lastValue: 12 }],
    };
    const error = errorOf(() => parseManifest(broken));
    expect(error.details).toEqual([
      'capturedAt: Invalid ISO datetime',
      'tables[0].rows: Too small: expected number to be >=0',
      'sequences[0].lastValue: Invalid input: expected string, received number',
    ]);
    expect(error.hint).toContain('pgdrill manifest capture');
  });
});

describe('timestamp column names', () => {
  it.each([
    ['shop.orders.created_at', { schema: 'shop', table: 'orders', column: 'created_at' }],
    ['orders.created_at', { schema: 'public', table: 'orders', column: 'created_at' }],
    ['Shop.Orders.CreatedAt', { schema: 'shop', table: 'orders', column: 'createdat' }],
    ['"Sales"."Orders"."Created.At"', { schema: 'Sales', table: 'Orders', column: 'Created.At' }],
    ['sales.orders."say ""when"""', { schema: 'sales', table: 'orders', column: 'say "when"' }],
  ])('parses %s', (text, name) => {
    expect(parseColumnName(text)).toEqual(name);
    expect(parseColumnName(formatColumnName(name))).toEqual(name);
  });

  it.each(['created_at', 'a.b.c.d', 'shop.orders.', 'shop.orders."open', 'shop.orders.two words'])(
    'rejects %s with how to write one',
    (text) => {
      const error = errorOf(() => parseColumnName(text));
      expect(error).toMatchObject({ code: 'INVALID_COLUMN_NAME', message: `"${text}" is not a column name` });
      expect(error.hint).toContain('schema.table.column');
    },
  );
});
