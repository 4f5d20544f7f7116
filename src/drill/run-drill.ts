import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { CheckContext, Queryable } from '../checks/check.js';
import { runCheck } from '../checks/run-check.js';
import type { Engine, StartedServer } from '../engines/engine.js';
import { findInstallations } from '../engines/local/find-installations.js';
import { EngineError, exitCodeFor, isDrillError } from '../errors.js';
import type { EmitEvent } from '../events.js';
import type { CheckResult, DrillResult, ErrorInfo, StepResult } from '../results.js';
import { preparePgdump, restorePgdump } from '../sources/pgdump/pgdump-source.js';
import { createStore } from '../storage/create-store.js';
import type { ResolvedDrill, ResolvedSuite } from '../suite/resolved-suite.js';
import { createDrillWorkspace } from './drill-workspace.js';
import { pickMajor } from './pick-major.js';
import { checkRestoreScope } from './restore-scope.js';
import { createProgress } from './progress.js';
import { CleanupStack } from '../util/cleanup-stack.js';

export interface RunDrillOptions {
  suite: ResolvedSuite;
  drill: ResolvedDrill;
  engine: Engine;
  emit: EmitEvent;
  signal?: AbortSignal;
  keepOnFailure?: boolean;
  env?: Record<string, string | undefined>;
}

/**
 * One drill: fetch → engine → restore → checks → teardown. The only place sources, engines and checks
 * meet. A failed check is a result; an exception means the drill could not run and becomes `error`.
 */
export async function runDrill(options: RunDrillOptions): Promise<DrillResult> {
  const { drill, emit } = options;
  const startedAt = new Date();
  const t0 = performance.now();
  const elapsed = () => Math.round(performance.now() - t0);
  const signal = AbortSignal.any([options.signal ?? new AbortController().signal, AbortSignal.timeout(drill.timeoutSeconds * 1000)]);
  const result: DrillResult = { name: drill.name, status: 'passed', startedAt: startedAt.toISOString(), finishedAt: '', durationMs: 0, steps: [], checks: [], timings: {} };
  emit({ type: 'drill:start', drill: drill.name });
  await using workspace = await createDrillWorkspace(drill.name);
  await using stack = new CleanupStack();
  let server: StartedServer | undefined;
  const restoreStep: StepResult = { name: 'restore', status: 'passed', durationMs: 0 };
  try {
    emit({ type: 'step:start', drill: drill.name, step: 'restore', detail: describeSource(drill) });
    const progress = createProgress(emit, drill.name, 'restore');
    const store = createStore(options.suite.storage[drill.source.store]!, { baseDir: options.suite.dir });
    stack.defer(() => store.close());
    const pgRestore = await inspectionPgRestore(options.suite.engine.binDir);
    const ctx = {
      source: drill.source,
      store,
      workDir: workspace.filesDir,
      pgRestore,
      cores: cpus().length,
      env: options.env ?? process.env,
      signal,
      onBytes: progress.bytes,
      onItem: progress.item,
    };
    const prepared = await timed(result, 'fetchSeconds', () => preparePgdump(ctx));
    result.backup = prepared.archives.map((a) => a.provenance);
    const probe = await options.engine.probe();
    const major = pickMajor({ requested: drill.postgres.major, sourceMajor: prepared.sourceMajor, available: probe.majors, engine: options.engine.kind });
    server = await timed(result, 'engineSeconds', () =>
      options.engine.start({ major, workDir: workspace.dir, settings: drill.postgres.settings, signal }),
    );
    stack.use(server);
    result.engine = { kind: server.kind, major: server.major, version: server.version, connection: server.describe(drill.source.options.database) };
    await timed(result, 'restoreSeconds', () => restorePgdump({ ...ctx, server: server!, prepared }));
    result.restoreSeconds = elapsed() / 1000;
    restoreStep.durationMs = elapsed();
    restoreStep.message = `restored ${prepared.archives.length} archive${prepared.archives.length > 1 ? 's' : ''} into ${result.engine.connection} in ${result.restoreSeconds.toFixed(1)} s`;
    emit({ type: 'step:end', drill: drill.name, step: 'restore', status: 'passed', durationMs: restoreStep.durationMs, message: restoreStep.message });
    result.steps.push(restoreStep);
    result.checks = await runChecks(options, server, result.restoreSeconds, signal, prepared.archives.flatMap((a) => a.facts.tables));
  } catch (error) {
    const info = toErrorInfo(error, signal, drill);
    restoreStep.status = isDrillError(error) && (error.domain === 'source' || error.domain === 'command') ? 'failed' : 'error';
    restoreStep.error = info;
    restoreStep.durationMs = elapsed();
    if (server) restoreStep.details = serverLogProblems(await server.logTail(200).catch(() => []));
    emit({ type: 'step:end', drill: drill.name, step: 'restore', status: restoreStep.status, durationMs: restoreStep.durationMs, message: info.message });
    if (!result.steps.includes(restoreStep)) result.steps.push(restoreStep);
    result.error = info;
  }
  result.status = verdict(result);
  if (result.status !== 'passed' && options.keepOnFailure) {
    workspace.keep();
    stack.move();
    result.keptAt = workspace.dir;
  }
  result.finishedAt = new Date().toISOString();
  result.durationMs = elapsed();
  emit({ type: 'drill:end', result });
  return result;
}

async function runChecks(options: RunDrillOptions, server: StartedServer, restoreSeconds: number, signal: AbortSignal, dumpedTables: string[]): Promise<CheckResult[]> {
  const { drill, suite, emit } = options;
  const client = new pg.Client({ ...server.connection, database: drill.source.options.database, application_name: 'pgdrill' });
  await client.connect();
  const onAbort = () => void client.end();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const db: Queryable = { query: async (sql, params) => (await client.query(sql, params as unknown[])).rows };
    const context: CheckContext = { db, database: drill.source.options.database, restoreSeconds, objectives: suite.objectives, suiteDir: suite.dir, signal };
    const results: CheckResult[] = [];
    if (drill.source.options.only) results.push(await checkRestoreScope(db, drill.source.options.only, dumpedTables));
    for (const check of drill.checks) results.push(await runCheck(check.definition, check.options, context));
    for (const check of results) emit({ type: 'check:end', drill: drill.name, check });
    return results;
  } finally {
    signal.removeEventListener('abort', onAbort);
    await client.end().catch(() => {});
  }
}

/** The server log lines that say something went wrong (not the start-up chatter), newest last. */
function serverLogProblems(lines: string[]): string[] {
  return lines.filter((l) => /\b(ERROR|FATAL|PANIC|WARNING):/.test(l)).slice(-10).map((l) => `server log: ${l}`);
}

function verdict(result: DrillResult): DrillResult['status'] {
  if (result.steps.some((s) => s.status === 'error')) return 'error';
  if (result.steps.some((s) => s.status === 'failed') || result.checks.some((c) => c.status === 'failed' || c.status === 'error')) return 'failed';
  return 'passed';
}

async function timed<T>(result: DrillResult, key: string, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await fn();
  } finally {
    result.timings![key] = Math.round(performance.now() - t) / 1000;
  }
}

/** The archive's table of contents is read before a server is chosen, with the newest pg_restore here. */
async function inspectionPgRestore(binDir?: string): Promise<string> {
  const found = (await findInstallations({ binDir })).find((i) => i.tools.pg_restore);
  if (!found) throw new EngineError('PG_RESTORE_NOT_FOUND', 'no pg_restore found to read the archive with', { hint: 'install postgresql-client-15 (apt-get install postgresql-client-15); pgdrill doctor lists what is found' });
  return `${found.binDir}/pg_restore`;
}

function toErrorInfo(error: unknown, signal: AbortSignal, drill: ResolvedDrill): ErrorInfo {
  // Once the drill is aborted, whatever failed next failed because of the abort: say so, not the symptom.
  if (signal.aborted) {
    const timedOut = signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError';
    return timedOut
      ? { code: 'DRILL_TIMEOUT', message: `the drill did not finish within its timeout of ${drill.timeoutSeconds} s`, hint: 'raise `timeout` for this drill, or find what is slow in the step timings', exitCode: 3 }
      : { code: 'DRILL_CANCELLED', message: 'the drill was cancelled', exitCode: 130 };
  }
  if (isDrillError(error)) return { code: error.code, message: error.message, hint: error.hint, details: error.details, exitCode: exitCodeFor(error) };
  return { code: 'INTERNAL_ERROR', message: error instanceof Error ? (error.stack ?? error.message) : String(error), hint: 'this is a bug in pgdrill; please report it with this message', exitCode: 70 };
}

function describeSource(drill: ResolvedDrill): string {
  return drill.source.archives.map((a) => a.key ?? `${a.pick} under ${a.prefix ?? '(root)'}`).join(' then ') + ` from store ${drill.source.store}`;
}
