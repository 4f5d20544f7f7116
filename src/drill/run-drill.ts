import { performance } from 'node:perf_hooks';
import type { CheckContext, CheckDefinition } from '../checks/check.js';
import { createCheckConnection } from './check-connection.js';
import { describeSource } from '../suite/describe-drill.js';
import { runCheck } from '../checks/run-check.js';
import type { Engine, StartedServer } from '../engines/engine.js';
import { EngineError, exitCodeFor, isDrillError } from '../errors.js';
import type { EmitEvent } from '../events.js';
import type { CheckResult, DrillResult, ErrorInfo, StepResult } from '../results.js';
import type { ResolvedDrill, ResolvedSuite } from '../suite/resolved-suite.js';
import { createDrillWorkspace } from './drill-workspace.js';
import { restoreLogical } from './restore-logical.js';
import { restorePhysical } from './restore-physical.js';
import type { RestoreContext, RestoreOutcome } from './restore-context.js';
import { recoveryCheck } from '../checks/recovery-check.js';
import { checkRestoreScope } from './restore-scope.js';
import { createProgress } from './progress.js';
import { isInventoryCheck, isInventoryOnly, runInventoryChecks, type RunInventoryOptions } from './run-inventory.js';
import { CleanupStack } from '../util/cleanup-stack.js';
import { captureExtensions } from './capture-extensions.js';
import { dirname } from 'node:path';
import type { DiskBudget } from '../fleet/disk-budget.js';

export interface RunDrillOptions {
  suite: ResolvedSuite;
  drill: ResolvedDrill;
  /** Needed unless every check of the drill is an inventory check (then no server is started). */
  engine?: Engine;
  emit: EmitEvent;
  signal?: AbortSignal;
  keepOnFailure?: boolean;
  env?: Record<string, string | undefined>;
  /** The run's disk ledger: each restore reserves its estimate before it downloads or restores anything. */
  disk?: DiskBudget;
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
  result.source = { kind: drill.source.kind, description: describeSource(drill) };
  result.objectives = options.suite.objectives;
  emit({ type: 'drill:start', drill: drill.name });
  // Declared first, so released last: after the drill's files are gone.
  using disk = options.disk?.forDrill(drill.name, { signal, onWait: (message) => emit({ type: 'note', message }) });
  await using workspace = await createDrillWorkspace(drill.name);
  await using stack = new CleanupStack();
  let outcome: RestoreOutcome | undefined;
  const env = options.env ?? process.env;
  // Inventory checks judge the source's listing first; a drill with only those ends there, with no server.
  if (drill.checks.some(isInventoryCheck)) await runInventoryStep({ suite: options.suite, drill, emit, signal, env, workDir: workspace.filesDir, result }, elapsed);
  const restoreStep: StepResult = { name: 'restore', status: 'passed', durationMs: 0 };
  if (!isInventoryOnly(drill) && !result.error) {
    try {
      emit({ type: 'step:start', drill: drill.name, step: 'restore', detail: describeSource(drill) });
      const ctx: RestoreContext = { suite: options.suite, drill, engine: requireEngine(options), workspace, stack, result, signal, env, disk, progress: createProgress(emit, drill.name, 'restore') };
      outcome = drill.source.kind === 'pgdump' ? await restoreLogical(ctx, drill.source) : await restorePhysical(ctx, drill.source);
      // Waiting for another drill's disk space is not restore time (RTO).
      const waitedMs = disk?.waitedMs ?? 0;
      if (waitedMs > 0) result.timings!.diskWaitSeconds = Math.round(waitedMs) / 1000;
      result.restoreSeconds = (elapsed() - waitedMs) / 1000;
      if (result.engine && outcome.server.kind === 'local') result.engine.binDir = dirname(outcome.server.clientPath('psql'));
      restoreStep.durationMs = elapsed();
      restoreStep.message = `${outcome.message} in ${result.restoreSeconds.toFixed(1)} s`;
      emit({ type: 'step:end', drill: drill.name, step: 'restore', status: 'passed', durationMs: restoreStep.durationMs, message: restoreStep.message });
      result.steps.push(restoreStep);
    } catch (error) {
      const info = toErrorInfo(error, signal, drill);
      restoreStep.status = isDrillError(error) && (error.domain === 'source' || error.domain === 'command') ? 'failed' : 'error';
      restoreStep.error = info;
      restoreStep.durationMs = elapsed();
      const log = result.recovery ? [] : await lastServerLog(stack);
      restoreStep.details = serverLogProblems(log);
      emit({ type: 'step:end', drill: drill.name, step: 'restore', status: restoreStep.status, durationMs: restoreStep.durationMs, message: info.message });
      result.steps.push(restoreStep);
      result.error = info;
    }
  }
  // Checks run only on a restored database; not reaching it is a step of its own, not a failed restore.
  if (outcome && !result.error) {
    try {
      result.checks.push(...(await runChecks(options, outcome, result, signal)));
    } catch (error) {
      const info = toErrorInfo(error, signal, drill);
      result.steps.push({ name: 'checks', status: 'error', durationMs: 0, error: info, message: info.message });
      result.error = info;
    }
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

async function runChecks(options: RunDrillOptions, outcome: RestoreOutcome, result: DrillResult, signal: AbortSignal): Promise<CheckResult[]> {
  const restoreSeconds = result.restoreSeconds!;
  const { drill, suite, emit } = options;
  const db = createCheckConnection({ ...outcome.server.connection, database: outcome.database }, { signal });
  try {
    const context: CheckContext = { db, database: outcome.database, restoreSeconds, objectives: suite.objectives, suiteDir: suite.dir, signal, recovery: outcome.recovery };
    const results: CheckResult[] = [];
    if (result.engine) result.engine.extensions = await captureExtensions(db);
    const record = (check: CheckResult) => {
      results.push(check);
      emit({ type: 'check:end', drill: drill.name, check });
    };
    if (outcome.scope) record(await checkRestoreScope(db, outcome.scope.only, outcome.scope.dumpedTables));
    // Physical drills always prove the point reached, listed or not.
    const databaseChecks = drill.checks.filter((c) => !isInventoryCheck(c));
    const checks = outcome.recovery && !drill.checks.some((c) => c.type === 'recovery') ? [{ definition: recoveryCheck, options: recoveryCheck.options.parse({}) }, ...databaseChecks] : databaseChecks;
    for (const check of checks) record(await runCheck(check.definition as CheckDefinition<unknown>, check.options, context));
    return results;
  } finally {
    await db.close();
  }
}

/** Run the inventory step; a listing that fails ends the drill as the restore step's errors do. */
async function runInventoryStep(options: RunInventoryOptions, elapsed: () => number): Promise<void> {
  const { drill, result, signal } = options;
  try {
    result.checks.push(...(await runInventoryChecks(options)));
  } catch (error) {
    const info = toErrorInfo(error, signal, drill);
    const status = isDrillError(error) && (error.domain === 'source' || error.domain === 'command') ? 'failed' : 'error';
    result.steps.push({ name: 'inventory', status, durationMs: elapsed(), error: info, message: info.message });
    options.emit({ type: 'step:end', drill: drill.name, step: 'inventory', status, durationMs: elapsed(), message: info.message });
    result.error = info;
  }
}

function requireEngine(options: RunDrillOptions): Engine {
  if (options.engine) return options.engine;
  throw new EngineError('NO_ENGINE', `drill ${options.drill.name} restores a backup but was given no engine`, { hint: 'pass an engine to runDrill; only drills whose checks are all inventory checks run without one' });
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

/** The log of the server the drill started, if it got that far (for the restore step's details). */
async function lastServerLog(stack: CleanupStack): Promise<string[]> {
  const server = stack.resources().find((r): r is StartedServer => typeof (r as StartedServer).logTail === 'function');
  return server ? server.logTail(200).catch(() => []) : [];
}
