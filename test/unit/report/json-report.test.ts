import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildJsonReport, runResultFromReport, type ReportContext } from '../../../src/report/json-report.js';
import { reportJsonSchema } from '../../../src/report/report-schema.js';
import type { DrillResult } from '../../../src/results.js';
import { erroredDrill, failedDrill, passedDrill, runOf, timedOutDrill } from './run-result-fixture.js';
import { reportValidator } from './report-validator.js';

const context: ReportContext = {
  pgdrillVersion: '0.1.0',
  host: { hostname: 'ci-1', platform: 'linux', release: '6.1', arch: 'x64' },
  commands: { '/usr/lib/postgresql/15/bin/pg_restore': 'pg_restore (PostgreSQL) 15.18' },
  generatedAt: new Date('2026-11-20T03:02:00.000Z'),
};

const logical: DrillResult = {
  ...passedDrill,
  source: { kind: 'pgdump', description: 'pg_dump latest under "daily/" from store prod' },
  objectives: { rtoSeconds: 30, rpoSeconds: 86_400 },
  backup: [{ ...passedDrill.backup![0]!, lastModified: '2026-11-19T03:00:00.000Z' }],
  timings: { fetchSeconds: 1.5, engineSeconds: 2, restoreSeconds: 27 },
  steps: [{ name: 'restore', status: 'passed', durationMs: 30_100 }],
};

const physical: DrillResult = {
  ...passedDrill,
  name: 'pitr',
  source: { kind: 'pgbackrest', description: 'pgBackRest stanza main' },
  objectives: { rtoSeconds: 3600, rpoSeconds: 60 },
  backup: [{ store: 's3://b', key: 'set 20261120-030000F', lastModified: 'not a date' }],
  timings: { fetchSeconds: 1, engineSeconds: 10, replaySeconds: 4 },
  steps: [{ name: 'restore', status: 'passed', durationMs: 11_000 }],
  recovery: {
    target: 'latest',
    reached: true,
    replaySeconds: 4,
    segmentsRestored: 3,
    archive: { count: 3, missing: [] },
    rpoSeconds: 75,
    problems: [],
  },
};

describe('buildJsonReport', () => {
  test('reports of passing, failing and erroring drills validate against schema/report.schema.json', () => {
    const validate = reportValidator();
    for (const run of [
      runOf(passedDrill),
      runOf(failedDrill, timedOutDrill),
      runOf(erroredDrill),
      runOf(logical, physical),
    ]) {
      expect(validate(JSON.parse(JSON.stringify(buildJsonReport(run, context))))).toEqual([]);
    }
  });

  test('the schema rejects what it must: an unknown field, a wrong version', () => {
    const validate = reportValidator();
    const report = JSON.parse(JSON.stringify(buildJsonReport(runOf(passedDrill), context)));
    expect(validate({ ...report, schemaVersion: '0.9' })).not.toEqual([]);
    expect(validate({ ...report, drills: [{ ...report.drills[0], surprise: 1 }] })).not.toEqual([]);
  });

  test('1.1 names its version, and a report without what 1.1 added (a 1.0 report, renumbered) still validates', () => {
    const validate = reportValidator();
    const report = JSON.parse(
      JSON.stringify(
        buildJsonReport(runOf({ ...physical, engine: { ...physical.engine!, backupMajor: 15 } }), {
          ...context,
          ci: { provider: 'ci' },
          suiteFiles: [{ path: '/suites/nightly.yaml', sha256: 'a'.repeat(64) }],
        }),
      ),
    );
    expect(report.schemaVersion).toBe('1.1');
    expect((reportJsonSchema() as { $id: string }).$id).toBe('urn:pgdrill:schema:report:1.1');
    expect(validate(report)).toEqual([]);
    expect(validate({ ...report, schemaVersion: '1.0' })).not.toEqual([]);
    // Additive only: taking away engine.backupMajor, ci, suite.fileHashes and shard leaves a valid report.
    const { ci: _ci, shard: _shard, ...older } = report;
    const { backupMajor: _major, ...engine } = report.drills[0].engine;
    const { fileHashes: _hashes, ...suite } = report.suite;
    expect(validate({ ...older, suite, drills: [{ ...report.drills[0], engine }] })).toEqual([]);
  });

  test('the published schema file is the one the zod schema generates', () => {
    const file = readFileSync(join(import.meta.dirname, '..', '..', '..', 'schema', 'report.schema.json'), 'utf8');
    expect(JSON.parse(file)).toEqual(reportJsonSchema());
  });

  test('RTO is the restore time; RPO is the backup age for a logical drill and the recovery RPO for a physical one', () => {
    const [l, p] = buildJsonReport(runOf(logical, physical), context).drills;
    expect(l!.objectives.rto).toMatchObject({ objectiveSeconds: 30, achievedSeconds: 31.46, status: 'missed' });
    // started 2026-11-20T03:00, backup made a day earlier
    expect(l!.backup![0]).toMatchObject({ createdAt: '2026-11-19T03:00:00.000Z', ageSeconds: 86_400 });
    expect(l!.objectives.rpo).toMatchObject({
      objectiveSeconds: 86_400,
      achievedSeconds: 86_400,
      status: 'met',
      basis: 'age of the backup when the drill started',
    });
    expect(p!.objectives.rpo).toMatchObject({ objectiveSeconds: 60, achievedSeconds: 75, status: 'missed' });
    expect(p!.backup![0]!.ageSeconds).toBeUndefined();
  });

  test('objectives that cannot be measured or were not set say so', () => {
    const [e] = buildJsonReport(runOf({ ...erroredDrill, objectives: { rtoSeconds: 60 } }), context).drills;
    expect(e!.objectives.rto.status).toBe('not-measured');
    expect(e!.objectives.rpo.status).toBe('no-objective');
  });

  test('the timeline lays the phases end to end, WAL replay split out of the physical server start', () => {
    const [l, p] = buildJsonReport(runOf(logical, physical), context).drills;
    expect(l!.timeline.map((x) => [x.name, x.startSeconds, x.durationSeconds])).toEqual([
      ['fetch backup', 0, 1.5],
      ['start server', 1.5, 2],
      ['restore data', 3.5, 27],
      ['rows public.orders >= 1000', 30.5, 0.012],
      ['sequences', 30.512, 0.03],
    ]);
    expect(p!.timeline.slice(0, 3).map((x) => [x.kind, x.durationSeconds])).toEqual([
      ['fetch', 1],
      ['engine', 6],
      ['replay', 4],
    ]);
    const [err] = buildJsonReport(runOf(erroredDrill), context).drills;
    expect(err!.timeline.map((x) => [x.name, x.status])).toEqual([
      ['restore', 'error'],
      ['engine', 'passed'],
    ]);
  });

  test('verdict and tool versions', () => {
    expect(buildJsonReport(runOf(passedDrill), { ...context }).verdict).toBe('failed'); // the fixture run's exit code is 1
    expect(buildJsonReport({ ...runOf(passedDrill), exitCode: 0 }, context).verdict).toBe('passed');
    const report = buildJsonReport(runOf(erroredDrill), context);
    expect(report.verdict).toBe('error');
    expect(report.tools).toMatchObject({ pgdrill: '0.1.0', node: process.version, commands: context.commands });
  });

  test('runResultFromReport gives back the RunResult the report was built from', () => {
    for (const run of [runOf(logical, physical), runOf(failedDrill, erroredDrill, timedOutDrill)]) {
      const back = runResultFromReport(JSON.parse(JSON.stringify(buildJsonReport(run, context))));
      // A drill always records its suite's objectives (possibly none); the fixtures predate that field.
      const expected = { ...run, drills: run.drills.map((d) => ({ objectives: {}, ...d })) };
      expect(back).toEqual(JSON.parse(JSON.stringify(expected)));
    }
  });
});
