import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_MESSAGE, writeJUnitLoadError, writeJUnitReport } from '../../../src/report/junit-reporter.js';
import type { RunResult } from '../../../src/results.js';
import { erroredDrill, failedDrill, passedDrill, runOf, timedOutDrill } from './run-result-fixture.js';
import { childrenNamed, parseXml, type XmlElement } from './tiny-xml.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-junit-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function report(run: RunResult): Promise<XmlElement> {
  const file = join(dir, 'nested', 'reports', 'junit.xml');
  await writeJUnitReport(run, file);
  return parseXml(await readFile(file, 'utf8'));
}

const counts = (element: XmlElement) => {
  const { tests, failures, errors, skipped } = element.attributes;
  return { tests, failures, errors, skipped };
};
// Testsuites are named `suite/drill`; the fixture's suite is `nightly`.
const suiteNamed = (root: XmlElement, drill: string) =>
  childrenNamed(root, 'testsuite').find((s) => s.attributes.name === `nightly/${drill}`)!;
const caseNamed = (suite: XmlElement, name: string) =>
  childrenNamed(suite, 'testcase').find((c) => c.attributes.name === name)!;
const properties = (suite: XmlElement) =>
  Object.fromEntries(
    childrenNamed(suite, 'properties').flatMap((p) => p.children.map((c) => [c.attributes.name, c.attributes.value])),
  );

describe('writeJUnitReport', () => {
  it('counts tests, failures, errors and skips for the run and each drill', async () => {
    const root = await report(runOf(passedDrill, failedDrill, erroredDrill, timedOutDrill));
    expect(root.name).toBe('testsuites');
    expect(counts(root)).toEqual({ tests: '12', failures: '2', errors: '2', skipped: '2' });
    expect(childrenNamed(root, 'testsuite').map((s) => [s.attributes.name, counts(s)])).toEqual([
      ['nightly/orders-from-pgdump', { tests: '4', failures: '0', errors: '0', skipped: '0' }],
      ['nightly/billing <nightly> & co', { tests: '4', failures: '1', errors: '1', skipped: '1' }],
      ['nightly/orders-pitr', { tests: '2', failures: '0', errors: '1', skipped: '0' }],
      ['nightly/slow', { tests: '2', failures: '1', errors: '0', skipped: '1' }],
    ]);
  });

  it('writes one testsuite per drill with timestamp, time and provenance properties', async () => {
    const suite = suiteNamed(await report(runOf(passedDrill)), 'orders-from-pgdump');
    expect(suite.attributes).toMatchObject({ timestamp: '2026-11-20T03:00:00.000Z', time: '43.21' });
    expect(properties(suite)).toEqual({
      'backup.key': 'daily/app-2026-11-20.dump',
      'backup.store': 'prod',
      'backup.size': '1048576',
      'backup.sha256': 'ab12',
      'backup.format': 'custom',
      'backup.producedBy': 'pg_dump 15.18',
      'engine.kind': 'local',
      'engine.version': '15.18 (Debian 15.18-0+deb12u1)',
      'engine.major': '15',
      'restore.seconds': '31.5',
      'check.rows public.orders': 'rows public.orders >= 1000',
    });
    expect(
      childrenNamed(suite, 'testcase').map((c) => [c.attributes.classname, c.attributes.name, c.attributes.time]),
    ).toEqual([
      ['nightly/orders-from-pgdump', 'step: engine', '1.2'],
      ['nightly/orders-from-pgdump', 'step: restore', '30.1'],
      ['nightly/orders-from-pgdump', 'rows public.orders', '0.012'],
      ['nightly/orders-from-pgdump', 'sequences', '0.03'],
    ]);
    expect(caseNamed(suite, 'rows public.orders').children.map((c) => [c.name, c.text])).toEqual([
      ['system-out', 'rows public.orders >= 1000\npublic.orders has 5000 rows, expected at least 1000'],
    ]);
  });

  it('adds per-phase timings and where a failed drill was kept', async () => {
    const suite = suiteNamed(
      await report(runOf({ ...passedDrill, timings: { fetchSeconds: 2.04, engineSeconds: 1.2 }, keptAt: '/tmp/kept' })),
      'orders-from-pgdump',
    );
    expect(properties(suite)).toMatchObject({
      'timing.fetchSeconds': '2.0',
      'timing.engineSeconds': '1.2',
      'kept.at': '/tmp/kept',
    });
  });

  it('indexes backup properties when a drill restored more than one object', async () => {
    const suite = suiteNamed(await report(runOf(failedDrill)), 'billing <nightly> & co');
    expect(properties(suite)).toMatchObject({
      'backup.0.key': 'base/20261120',
      'backup.0.label': '20261120-030000F',
      'backup.1.key': 'wal/000000010000000000000003',
      'backup.1.size': '16777216',
    });
  });

  it('maps a failed check to <failure> with expected/actual, an erroring one to <error>, a skipped one to <skipped>', async () => {
    const suite = suiteNamed(await report(runOf(failedDrill)), 'billing <nightly> & co');
    const [failure] = caseNamed(suite, 'sequences').children;
    expect(failure).toMatchObject({
      name: 'failure',
      attributes: {
        type: 'sequences',
        message:
          'expected next nextval() beyond every value in the owning column, actual 1 behind: public.invoices_id_seq: ' +
          '1 of 3 owned sequences are behind their column: public.invoices_id_seq',
      },
      text: 'public.invoices_id_seq (public.invoices.id): last_value=3, is_called=true, max=10, next nextval()=4',
    });
    const [error] = caseNamed(suite, 'sql select count(*) from nope').children;
    expect(error).toMatchObject({
      name: 'error',
      attributes: { message: 'ERROR 42P01: relation "nope" does not exist' },
      text: 'hint: check the name',
    });
    const skipped = caseNamed(suite, 'duration').children;
    expect(skipped.map((c) => c.name)).toEqual(['skipped', 'system-out']);
    expect(skipped[0]?.attributes.message).toBeTruthy();
  });

  it('puts a step error on the step, without repeating it as a drill testcase', async () => {
    const suite = suiteNamed(await report(runOf(erroredDrill)), 'orders-pitr');
    expect(childrenNamed(suite, 'testcase').map((c) => c.attributes.name)).toEqual(['step: engine', 'step: restore']);
    const [error] = caseNamed(suite, 'step: restore').children;
    expect(error).toMatchObject({
      name: 'error',
      attributes: { type: 'STORAGE_UNREACHABLE', message: 'STORAGE_UNREACHABLE: could not list s3://prod-backups' },
      text: 'ECONNREFUSED 127.0.0.1:9000\nhint: check the endpoint',
    });
  });

  it('adds a `drill` testcase for a drill error no step carries, as a failure when the drill failed', async () => {
    const suite = suiteNamed(await report(runOf(timedOutDrill)), 'slow');
    const drill = caseNamed(suite, 'drill');
    expect(drill.children[0]).toMatchObject({
      name: 'failure',
      attributes: { type: 'DRILL_TIMEOUT', message: 'DRILL_TIMEOUT: the drill did not finish within 10m' },
      text: 'hint: raise timeout',
    });
    const errored = suiteNamed(await report(runOf({ ...timedOutDrill, status: 'error' })), 'slow');
    expect(caseNamed(errored, 'drill').children[0]?.name).toBe('error');
    expect(counts(errored)).toMatchObject({ errors: '1', failures: '0' });
  });

  it('keeps text that would break CDATA or XML', async () => {
    const check = { ...failedDrill.checks[0]!, details: ['row {"a":"x]]>y"}', 'bell \u0007 here'] };
    const suite = suiteNamed(await report(runOf({ ...failedDrill, checks: [check] })), 'billing <nightly> & co');
    expect(caseNamed(suite, 'sequences').children[0]?.text).toBe('row {"a":"x]] >y"}\nbell  here');
  });

  it('keeps testcase names when thresholds change and puts the criterion in a property', async () => {
    const withMin = (min: number) => ({
      ...passedDrill,
      checks: [{ ...passedDrill.checks[0]!, name: `rows public.orders >= ${min}`, type: 'rows' }],
    });
    const before = suiteNamed(await report(runOf(withMin(1000))), 'orders-from-pgdump');
    const after = suiteNamed(await report(runOf(withMin(2000))), 'orders-from-pgdump');
    const names = (suite: XmlElement) => childrenNamed(suite, 'testcase').map((c) => c.attributes.name);
    expect(names(after)).toEqual(names(before));
    expect(properties(after)['check.rows public.orders']).toBe('rows public.orders >= 2000');
  });

  it('names testsuite and classname suite/drill, so two suites with a drill of the same name differ', async () => {
    const a = await report(runOf(passedDrill));
    const b = await report({ ...runOf(passedDrill), suite: { name: 'weekly', files: ['suites/weekly.yaml'] } });
    const first = (root: XmlElement) => childrenNamed(root, 'testsuite')[0]!;
    expect(first(a).attributes.name).toBe('nightly/orders-from-pgdump');
    expect(first(b).attributes.name).toBe('weekly/orders-from-pgdump');
    expect(
      childrenNamed(first(b), 'testcase').every((c) => c.attributes.classname === 'weekly/orders-from-pgdump'),
    ).toBe(true);
  });

  it('lists a check that could not run as <skipped> with the reason as its message', async () => {
    const skippedCheck = {
      name: 'sql refunds present >= 1',
      type: 'sql',
      status: 'skipped' as const,
      message: 'not run: the restore failed',
      durationMs: 0,
    };
    const suite = suiteNamed(await report(runOf({ ...erroredDrill, checks: [skippedCheck] })), 'orders-pitr');
    const [skipped] = caseNamed(suite, 'sql refunds present').children;
    expect(skipped).toMatchObject({ name: 'skipped', attributes: { message: 'not run: the restore failed' } });
  });

  it('follows the JUnit schema the Jenkins, GitLab and GitHub readers use: attributes and children where they expect them', async () => {
    const skipped = {
      name: 'duration <= 1h',
      type: 'duration',
      status: 'skipped' as const,
      message: 'not run: the restore failed',
      durationMs: 0,
    };
    const root = await report(runOf(passedDrill, failedDrill, { ...erroredDrill, checks: [skipped] }, timedOutDrill));
    expect(root.name).toBe('testsuites');
    expect(root.children.every((c) => c.name === 'testsuite')).toBe(true);
    for (const suite of childrenNamed(root, 'testsuite')) {
      for (const key of ['name', 'tests', 'failures', 'errors', 'skipped', 'time'])
        expect(suite.attributes[key], `${suite.attributes.name} ${key}`).toBeDefined();
      expect(suite.children.every((c) => ['properties', 'testcase'].includes(c.name))).toBe(true);
      for (const testCase of childrenNamed(suite, 'testcase')) {
        for (const key of ['classname', 'name', 'time']) expect(testCase.attributes[key]).toBeDefined();
        expect(
          testCase.children.every((c) => ['failure', 'error', 'skipped', 'system-out', 'system-err'].includes(c.name)),
        ).toBe(true);
        for (const verdict of testCase.children.filter((c) => c.name !== 'system-out'))
          expect(verdict.attributes.message).toBeTruthy();
      }
    }
  });

  it('writes no control characters or terminal colours, in attributes as in bodies', async () => {
    const noisy = {
      ...failedDrill.checks[0]!,
      message: 'pg_restore said \u001b[31mERROR\u001b[0m\u0007 at \u0002 offset',
      details: ['nul \u0000 here'],
    };
    const skipped = {
      name: 'sql q',
      type: 'sql',
      status: 'skipped' as const,
      message: 'not run: \u0001 gone',
      durationMs: 0,
    };
    const file = join(dir, 'noisy.xml');
    await writeJUnitReport(runOf({ ...failedDrill, checks: [noisy, skipped] }), file);
    const xml = await readFile(file, 'utf8');
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
    const suite = suiteNamed(parseXml(xml), 'billing <nightly> & co');
    expect(caseNamed(suite, 'sequences').children[0]?.attributes.message).toMatch(
      /pg_restore said ERROR at {2}offset$/,
    );
    expect(caseNamed(suite, 'sql q').children[0]?.attributes.message).toBe('not run:  gone');
  });

  it('keeps a failure message to one line of at most MAX_MESSAGE characters; the whole of it opens the body', async () => {
    const long = { ...failedDrill.checks[0]!, message: `first line\nsecond ${'x'.repeat(3000)}`, details: ['detail'] };
    const suite = suiteNamed(await report(runOf({ ...failedDrill, checks: [long] })), 'billing <nightly> & co');
    const [failure] = caseNamed(suite, 'sequences').children;
    expect(failure!.attributes.message!.length).toBe(MAX_MESSAGE);
    expect(failure!.attributes.message).not.toContain('\n');
    expect(failure!.attributes.message!.endsWith('…')).toBe(true);
    expect(failure!.text).toContain(`second ${'x'.repeat(3000)}\ndetail`);
  });

  it('writes times as decimal seconds on every testsuite and testcase', async () => {
    const root = await report(runOf(passedDrill, failedDrill, erroredDrill, timedOutDrill));
    for (const suite of childrenNamed(root, 'testsuite')) {
      expect(suite.attributes.time).toMatch(/^\d+(\.\d+)?$/);
      for (const testCase of childrenNamed(suite, 'testcase'))
        expect(testCase.attributes.time).toMatch(/^\d+(\.\d+)?$/);
    }
  });

  it('writes an empty but valid report for a run without drills', async () => {
    expect(counts(await report(runOf()))).toEqual({ tests: '0', failures: '0', errors: '0', skipped: '0' });
  });
});

describe('writeJUnitLoadError', () => {
  it('writes a single pgdrill suite whose `load suite` testcase carries the error', async () => {
    const file = join(dir, 'out', 'junit.xml');
    const error = {
      code: 'SUITE_INVALID',
      message: 'suites/nightly.yaml has 2 problems',
      hint: 'run pgdrill validate',
      details: ['drills[0].source: required'],
    };
    await writeJUnitLoadError(['suites/nightly.yaml'], error, file);
    const root = parseXml(await readFile(file, 'utf8'));
    expect(counts(root)).toEqual({ tests: '1', failures: '0', errors: '1', skipped: '0' });
    const [suite] = childrenNamed(root, 'testsuite');
    expect(suite!.attributes.name).toBe('pgdrill');
    expect(properties(suite!)).toEqual({ 'suite.file': 'suites/nightly.yaml' });
    expect(caseNamed(suite!, 'load suite').children[0]).toMatchObject({
      name: 'error',
      attributes: { type: 'SUITE_INVALID', message: 'SUITE_INVALID: suites/nightly.yaml has 2 problems' },
      text: 'drills[0].source: required\nhint: run pgdrill validate',
    });
  });
});
