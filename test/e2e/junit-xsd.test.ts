import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeDump } from '../../src/demo/make-dump.js';
import { createLocalEngine } from '../../src/engines/local/local-engine.js';
import { MAX_MESSAGE } from '../../src/report/junit-reporter.js';
import { runCli, writeSuiteIn } from '../support/backup-lab.js';
import { hasCommand } from '../support/has-command.js';
import { childrenNamed, parseXml, type XmlElement } from '../unit/report/tiny-xml.js';

// JUnit files written by the built CLI from real drills (a restore whose checks pass and fail, a store that is
// not there, an inventory drill) and from a suite that does not load, each validated with xmllint against
// test/fixtures/junit/junit.xsd: the structure Jenkins, GitLab and GitHub's action-junit-report read.
const XSD = join(import.meta.dirname, '..', 'fixtures', 'junit', 'junit.xsd');
const why = hasCommand('xmllint') ? '' : 'xmllint is not installed (apt-get install libxml2-utils)';

describe.skipIf(why !== '')(`JUnit files against the XSD${why ? ` (skipped: ${why})` : ''}`, () => {
  let dir: string;
  const files: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgdrill-junit-xsd-'));
    await chmod(dir, 0o711);
    await mkdir(join(dir, 'backups'));
    {
      await using server = await createLocalEngine().start({ workDir: dir });
      await server.runClient('psql', [
        '-v',
        'ON_ERROR_STOP=1',
        '-d',
        'postgres',
        '-c',
        'CREATE TABLE public.orders (id serial PRIMARY KEY, total numeric NOT NULL); INSERT INTO public.orders (total) SELECT g FROM generate_series(1, 50) g',
      ]);
      await makeDump(server, 'postgres', { format: 'custom' }, join(dir, 'backups', 'shop.dump'));
    }
    const suite = await writeSuiteIn(
      dir,
      'junit',
      `name: junit
storage:
  disk: { filesystem: { root: ./backups } }
  gone: { filesystem: { root: ./not-there } }
drills:
  - name: restored
    source: { pgdump: { store: disk, key: shop.dump, database: shop } }
    checks:
      - rows: { table: public.orders, min: 1 }
      - rows: { table: public.orders, min: 1000000 }
      - sequences: {}
  - name: unreachable
    source: { pgdump: { store: gone, key: shop.dump } }
    checks:
      - rows: { table: public.orders, min: 1 }
      - sequences: {}
  - name: fresh
    source: { pgdump: { store: disk, prefix: "" } }
    checks:
      - freshness: { maxAge: 3650d }
`,
    );
    files.run = join(dir, 'reports', 'run.xml');
    const run = await runCli(['run', suite, '--junit', files.run], { PGDRILL_ENGINE: 'local' }, {}, dir);
    expect(run.exitCode, run.stderr).toBe(3);
    const invalid = await writeSuiteIn(
      dir,
      'invalid',
      'name: invalid\ndrills:\n  - name: x\n    source: { nope: {} }\n',
    );
    files.loadError = join(dir, 'reports', 'load-error.xml');
    const load = await runCli(['run', invalid, '--junit', files.loadError], {}, {}, dir);
    expect(load.exitCode).toBe(2);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the run covers every outcome: passed, failed, error and skipped testcases', async () => {
    const root = parseXml(await readFile(files.run!, 'utf8'));
    const outcomes = new Set(
      childrenNamed(root, 'testsuite').flatMap((s) =>
        childrenNamed(s, 'testcase').map((c) => c.children.find((v) => v.name !== 'system-out')?.name ?? 'passed'),
      ),
    );
    expect([...outcomes].sort()).toEqual(['error', 'failure', 'passed', 'skipped']);
    expect(childrenNamed(root, 'testsuite').map((s) => s.attributes.name)).toEqual([
      'junit/restored',
      'junit/unreachable',
      'junit/fresh',
    ]);
  });

  test.each(['run', 'loadError'])('the %s JUnit file validates against the XSD (xmllint --schema)', async (name) => {
    const result = await xmllint(['--noout', '--schema', XSD, files[name]!]);
    expect(result.stderr, result.stderr).toMatch(/ validates$/m);
    expect(result.code).toBe(0);
  });

  test('the XSD refuses what the readers would not take (so the validation above means something)', async () => {
    const bad = join(dir, 'bad.xml');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      bad,
      '<testsuites><testsuite name="s" tests="1" failures="0" errors="0" skipped="0" time="1e-3" timestamp="2026-12-01T00:00:00Z"><testcase name="c" time="0.1"/></testsuite></testsuites>',
    );
    const result = await xmllint(['--noout', '--schema', XSD, bad]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/attribute 'time': '1e-3' is not a valid value/);
    expect(result.stderr).toMatch(/The attribute 'classname' is required/);
  });

  test.each(['run', 'loadError'])('the %s JUnit file keeps the readers’ conventions', async (name) => {
    const xml = await readFile(files[name]!, 'utf8');
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
    const root = parseXml(xml);
    const cases: XmlElement[] = childrenNamed(root, 'testsuite').flatMap((s) => childrenNamed(s, 'testcase'));
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) {
      expect(c.attributes.classname, c.attributes.name).toMatch(/\S/);
      expect(c.attributes.time).toMatch(/^\d+(\.\d+)?$/);
      for (const v of c.children.filter((v) => ['failure', 'error', 'skipped'].includes(v.name))) {
        expect(v.attributes.message, `${c.attributes.name} ${v.name}`).toMatch(/\S/);
        expect(v.attributes.message!.length).toBeLessThanOrEqual(MAX_MESSAGE);
        expect(v.attributes.message).not.toContain('\n');
      }
    }
    for (const s of childrenNamed(root, 'testsuite')) expect(s.attributes.time).toMatch(/^\d+(\.\d+)?$/);
  });
});

function xmllint(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('xmllint', args, (_error, _stdout, stderr) =>
      resolve({ code: child.exitCode ?? -1, stderr }),
    );
  });
}
