import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BackupProvenance, DrillResult, RunResult } from '../results.js';
import type { CiContext } from './ci-context.js';
import { drillObjectives } from './json-report-objectives.js';
import { drillTimeline } from './json-report-timeline.js';
import { REPORT_SCHEMA_VERSION, type DrillReport, type JsonReport } from './report-schema.js';
import type { SuiteFileHash } from './suite-file-hashes.js';

/** What a report says about where and with what it was made (see collectReportContext). */
export interface ReportContext {
  pgdrillVersion: string;
  host: JsonReport['host'];
  /** Host tools used by the drills: command → first line of `--version`. */
  commands: Record<string, string>;
  /** The CI run that started this one (see detectCiContext); absent outside CI. */
  ci?: CiContext;
  /** The suite files with their SHA-256 (see hashSuiteFiles). */
  suiteFiles?: SuiteFileHash[];
  /** @default now */
  generatedAt?: Date;
}

/**
 * RunResult → the JSON report. The report is a superset of the RunResult: every field keeps its name
 * and meaning, and the report adds what is derived (objectives, timeline, backup age) and where it ran.
 * `runResultFromReport` takes the added fields away again.
 */
export function buildJsonReport(run: RunResult, context: ReportContext): JsonReport {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: (context.generatedAt ?? new Date()).toISOString(),
    verdict:
      run.drills.some((d) => d.status === 'error') || run.exitCode >= 2
        ? 'error'
        : run.drills.every((d) => d.status === 'passed') && run.exitCode === 0
          ? 'passed'
          : 'failed',
    exitCode: run.exitCode,
    suite: {
      name: run.suite.name,
      files: [...run.suite.files],
      ...(context.suiteFiles ? { fileHashes: context.suiteFiles.map((f) => ({ ...f })) } : {}),
    },
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: run.durationMs,
    ...(run.shard ? { shard: { ...run.shard } } : {}),
    host: context.host,
    ...(context.ci ? { ci: { ...context.ci } } : {}),
    tools: {
      pgdrill: context.pgdrillVersion,
      node: process.version,
      servers: [...new Set(run.drills.flatMap((d) => (d.engine ? [d.engine.version] : [])))],
      commands: { ...context.commands },
    },
    drills: run.drills.map(drillReport),
  };
}

function drillReport(drill: DrillResult): DrillReport {
  const backup = drill.backup?.map((b) => withAge(b, drill.startedAt));
  return compact({
    name: drill.name,
    status: drill.status,
    startedAt: drill.startedAt,
    finishedAt: drill.finishedAt,
    durationMs: drill.durationMs,
    restoreSeconds: drill.restoreSeconds,
    source: drill.source,
    engine: drill.engine && compact({ ...drill.engine }),
    backup,
    recovery: drill.recovery,
    objectives: drillObjectives(drill, backup?.map((b) => b.ageSeconds) ?? []),
    timeline: drillTimeline(drill),
    steps: drill.steps,
    checks: drill.checks,
    error: drill.error,
    timings: drill.timings,
    keptAt: drill.keptAt,
  });
}

/** The backup's own time as ISO, and its age when the drill started. */
function withAge(
  backup: BackupProvenance,
  drillStartedAt: string,
): BackupProvenance & { createdAt?: string; ageSeconds?: number } {
  const created = backup.lastModified === undefined ? NaN : Date.parse(backup.lastModified);
  if (Number.isNaN(created)) return compact({ ...backup });
  const ageSeconds = Math.max(0, Math.round(Date.parse(drillStartedAt) - created) / 1000);
  return compact({ ...backup, createdAt: new Date(created).toISOString(), ageSeconds });
}

/** The library's RunResult back from a report (for JUnit or a merge of reports written elsewhere). */
export function runResultFromReport(report: JsonReport): RunResult {
  return {
    suite: { name: report.suite.name, files: [...report.suite.files] },
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    durationMs: report.durationMs,
    exitCode: report.exitCode,
    ...(report.shard ? { shard: { ...report.shard } } : {}),
    drills: report.drills.map((d) => {
      const { objectives, timeline: _timeline, backup, ...rest } = d;
      return compact({
        ...rest,
        backup: backup?.map(({ createdAt: _c, ageSeconds: _a, ...b }) => b as BackupProvenance),
        objectives: compact({
          rtoSeconds: objectives.rto.objectiveSeconds,
          rpoSeconds: objectives.rpo.objectiveSeconds,
        }),
      });
    }),
  };
}

export async function writeJsonReport(report: JsonReport, file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}

// JSON drops undefined anyway; dropping it here keeps reports and round trips free of absent keys.
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
