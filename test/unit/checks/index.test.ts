import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { builtinChecks, findCheck } from '../../../src/checks/index.js';

describe('builtin checks', () => {
  it('have unique types and are found by type', () => {
    const types = builtinChecks.map((c) => c.type);
    expect(types).toEqual([
      'rows',
      'sequences',
      'schema',
      'sql',
      'duration',
      'recovery',
      'integrity',
      'schemaDrift',
      'manifest',
      'migrations',
      'hypertables',
      'freshness',
      'retention',
      'size',
    ]);
    for (const check of builtinChecks) expect(findCheck(check.type)).toBe(check);
    expect(findCheck('nope')).toBeUndefined();
  });

  it.each(builtinChecks.map((c) => [c.type, c] as const))(
    '%s describes every option field (the suite reference is generated from them)',
    (_type, check) => {
      const shape = (check.options as unknown as z.ZodObject).shape;
      expect(check.description.length).toBeGreaterThan(20);
      for (const [field, schema] of Object.entries(shape))
        expect(schema.description, `${check.type}.${field}`).toBeTruthy();
    },
  );

  it.each(builtinChecks.map((c) => [c.type, c] as const))('%s rejects unknown option keys', (_type, check) => {
    expect(check.options.safeParse({ surprise: 1 }).success).toBe(false);
  });
});
