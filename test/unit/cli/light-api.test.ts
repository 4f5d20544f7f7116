import { describe, expect, test } from 'vitest';
import * as api from '../../../src/index.js';
import * as light from '../../../src/cli/light-api.js';
import { DEMO_S3_CHOICES } from '../../../src/cli/cli-choices.js';

// The CLI's light entry must be the public API itself, not a second one that could drift from it.
describe('the CLI light API', () => {
  test('every export of src/cli/light-api.ts is the same object as src/index.ts exports under that name', () => {
    const names = Object.keys(light);
    expect(names.length).toBeGreaterThan(5);
    for (const name of names)
      expect([name, (api as Record<string, unknown>)[name]]).toEqual([name, (light as Record<string, unknown>)[name]]);
    for (const name of names)
      expect((api as Record<string, unknown>)[name] === (light as Record<string, unknown>)[name], name).toBe(true);
  });

  test("the demo --s3 choices of the command line are the demo's own", () => {
    expect([...DEMO_S3_CHOICES]).toEqual([...api.SCRATCH_S3_CHOICES]);
  });
});
