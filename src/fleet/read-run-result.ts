import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { DrillResult, RunResult } from '../results.js';

// What merging relies on. Drills keep every field they have; a report that wraps the RunResult fields at
// its top level (a versioned report) is accepted, its other fields ignored.
const drillShape = z.looseObject({
  name: z.string(),
  status: z.enum(['passed', 'failed', 'error']),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  steps: z.array(z.unknown()),
  checks: z.array(z.unknown()),
});

const runShape = z.looseObject({
  suite: z.looseObject({ name: z.string(), files: z.array(z.string()) }),
  startedAt: z.iso.datetime({ offset: true }),
  finishedAt: z.iso.datetime({ offset: true }),
  durationMs: z.number(),
  drills: z.array(drillShape),
  exitCode: z.number().int(),
  shard: z.object({ index: z.number().int().min(1), count: z.number().int().min(1) }).optional(),
});

/** A run result written by `pgdrill run --json` (or a report carrying its fields), checked before merging. */
export async function readRunResultFile(file: string): Promise<RunResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      'RESULT_UNREADABLE',
      `could not read the run result ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      {
        cause: error,
        hint: 'pass the files that `pgdrill run --json <file>` wrote (one per shard)',
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError('RESULT_INVALID', `${file} is not JSON (${(error as Error).message})`, {
      cause: error,
      hint: 'pass the files that `pgdrill run --json <file>` wrote; JUnit XML cannot be merged',
    });
  }
  return parseRunResult(json, file);
}

/** Validate a parsed run result; every problem is listed with its path. */
export function parseRunResult(json: unknown, source: string): RunResult {
  const parsed = runShape.safeParse(json);
  if (!parsed.success)
    throw new ConfigError(
      'RESULT_INVALID',
      `${source} is not a pgdrill run result (${parsed.error.issues.length} problem${parsed.error.issues.length === 1 ? '' : 's'})`,
      {
        details: parsed.error.issues
          .slice(0, 10)
          .map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`),
        hint: 'pass the files that `pgdrill run --json <file>` wrote (one per shard)',
      },
    );
  const run = parsed.data;
  return {
    suite: { name: run.suite.name, files: run.suite.files },
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: run.durationMs,
    drills: run.drills as unknown as DrillResult[],
    exitCode: run.exitCode,
    ...(run.shard ? { shard: run.shard } : {}),
  };
}
