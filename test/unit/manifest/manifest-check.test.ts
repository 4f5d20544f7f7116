import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckContext } from '../../../src/checks/check.js';
import { builtinChecks } from '../../../src/checks/index.js';
import { manifestCheck } from '../../../src/checks/manifest-check.js';
import { runCheck } from '../../../src/checks/run-check.js';
import { suiteJsonSchema } from '../../../src/suite/suite-api.js';
import { buildSuiteSchema } from '../../../src/suite/suite-schema.js';
import { fakeDb } from '../checks/fake-db.js';
import { manifest } from './manifest-fixture.js';

describe('manifest options', () => {
  it('defaults to a manifest captured before the backup, no explicit tolerance, nothing ignored', () => {
    expect(manifestCheck.options.parse({ file: 'prod.manifest.json' })).toEqual({
      file: 'prod.manifest.json',
      captured: 'before-backup',
      tolerance: {},
      ignoreTables: [],
    });
    expect(manifestCheck.label(manifestCheck.options.parse({ file: 'm/prod.json' }))).toBe('manifest m/prod.json');
  });

  it.each([
    [{}, 'file'],
    [{ file: 'm.json', captured: 'during' }, 'captured'],
    [{ file: 'm.json', tolerance: { rows: -1 } }, 'tolerance.rows'],
    [{ file: 'm.json', tolerance: { time: 'soon' } }, 'tolerance.time'],
    [{ file: 'm.json', tolerance: { percent: 5 } }, 'tolerance'],
    [{ file: 'm.json', ignoreTables: ['a.b.c'] }, 'ignoreTables.0'],
  ])('rejects %j at %s', (input, path) => {
    const parsed = manifestCheck.options.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('fits in a suite and in its JSON Schema', () => {
    const checks = [...builtinChecks, manifestCheck];
    const drill = {
      name: 'd',
      source: { pgdump: { store: 's', key: 'k.dump' } },
      checks: [{ manifest: { file: 'm.json', tolerance: { rowsPercent: 1, time: '15m' } } }],
    };
    const parsed = buildSuiteSchema(checks).safeParse({
      name: 'n',
      storage: { s: { filesystem: { root: '.' } } },
      drills: [drill],
    });
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(JSON.stringify(suiteJsonSchema(checks))).toContain('pgdrill manifest capture');
  });
});

describe('manifest run: the manifest file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgdrill-manifest-unit-'));
    await writeFile(join(dir, 'old.json'), JSON.stringify({ ...manifest(), manifestVersion: 2 }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const context = (): CheckContext => ({
    db: fakeDb([]),
    database: 'app',
    restoreSeconds: 1,
    objectives: {},
    suiteDir: dir,
  });

  it('is an error, not a failure, when the file is missing, relative to the suite directory', async () => {
    const result = await runCheck(manifestCheck, manifestCheck.options.parse({ file: 'missing.json' }), context());
    expect(result).toMatchObject({
      status: 'error',
      message: `MANIFEST_NOT_FOUND: manifest ${join(dir, 'missing.json')} could not be read (ENOENT)`,
    });
    expect(result.details?.at(-1)).toContain('pgdrill manifest capture');
  });

  it('is an error naming the problem when the file is not a manifest this pgdrill reads', async () => {
    const result = await runCheck(manifestCheck, manifestCheck.options.parse({ file: 'old.json' }), context());
    expect(result).toMatchObject({ status: 'error' });
    expect(result.message).toBe(
      `MANIFEST_INVALID: manifest ${join(dir, 'old.json')} is not a valid pgdrill manifest (1 problem): manifestVersion: manifest version 2 is not supported: this pgdrill reads version 1`,
    );
  });
});
