import { performance } from 'node:perf_hooks';
import type { CheckContext, CheckDefinition } from '../checks/check.js';
import { createCheckConnection, type CheckConnection } from './check-connection.js';
import { createCheckRole, DEFAULT_CHECK_STATEMENT_TIMEOUT_SECONDS } from './check-role.js';
import type { Redactor } from '../util/redact.js';
import { describeSource } from '../suite/describe-drill.js';
import { runCheck, skippedCheck } from '../checks/run-check.js';
import type { Engine, StartedServer } from '../engines/engine.js';
import { type DrillError, EngineError, exitCodeFor, isDrillError } from '../errors.js';
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
import { createStallWatch, DEFAULT_STALL_TIMEOUT_SECONDS } from './stall-watch.js';
import type { DiskReservation } from '../fleet/disk-budget.js';
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
  /** The run's redactor: the drill adds its servers' and check role's passwords to it. */
  redact?: Redactor;
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
  const signal = AbortSignal.any([
    options.signal ?? new AbortController().signal,
    AbortSignal.timeout(drill.timeoutSeconds * 1000),
  ]);
  const result: DrillResult = {
    name: drill.name,
    status: 'passed',
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    durationMs: 0,
    steps: [],
    checks: [],
    timings: {},
  };
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
  if (drill.checks.some(isInventoryCheck))
    await runInventoryStep(
      { suite: options.suite, drill, emit, signal, env, workDir: workspace.filesDir, result },
      elapsed,
    );
  const inventoryResults = result.checks.length;
  const restoreStep: StepResult = { name: 'restore', status: 'passed', durationMs: 0 };
  if (!isInventoryOnly(drill) && !result.error) {
    // Progress or fail: a restore that stops moving ends long before the drill's timeout.
    using stall = createStallWatch({
      limitSeconds: drill.stallTimeoutSeconds ?? DEFAULT_STALL_TIMEOUT_SECONDS,
      dir: workspace.dir,
    });
    const restoreSignal = AbortSignal.any([signal, stall.signal]);
    try {
      emit({ type: 'step:start', drill: drill.name, step: 'restore', detail: describeSource(drill) });
      const ctx: RestoreContext = {
        suite: options.suite,
        drill,
        engine: requireEngine(options),
        workspace,
        stack,
        result,
        signal: restoreSignal,
        env,
        disk: disk && exemptFromStall(disk, stall),
        progress: createProgress(emit, drill.name, 'restore', 1000, stall),
        stall,
      };
      outcome =
        drill.source.kind === 'pgdump'
          ? await restoreLogical(ctx, drill.source)
          : await restorePhysical(ctx, drill.source);
      // Waiting for another drill's disk space is not restore time (RTO).
      const waitedMs = disk?.waitedMs ?? 0;
      if (waitedMs > 0) result.timings!.diskWaitSeconds = Math.round(waitedMs) / 1000;
      result.restoreSeconds = (elapsed() - waitedMs) / 1000;
      if (result.engine && outcome.server.kind === 'local')
        result.engine.binDir = dirname(outcome.server.clientPath('psql'));
      restoreStep.durationMs = elapsed();
      restoreStep.message = `${outcome.message} in ${result.restoreSeconds.toFixed(1)} s`;
      emit({
        type: 'step:end',
        drill: drill.name,
        step: 'restore',
        status: 'passed',
        durationMs: restoreStep.durationMs,
        message: restoreStep.message,
      });
      result.steps.push(restoreStep);
    } catch (error) {
      // A server the failed restore started: its password is redacted from this step's message and details too.
      for (const server of stack.resources().filter(isStartedServer)) options.redact?.add(server.connection.password);
      const info = toErrorInfo(error, restoreSignal, drill);
      // Only the backup's own fault is a failure; a cancel, a stall or a timeout is not the archive's doing.
      restoreStep.status = info.exitCode === 1 ? 'failed' : 'error';
      restoreStep.error = info;
      restoreStep.durationMs = elapsed();
      const log = result.recovery ? [] : await lastServerLog(stack);
      restoreStep.details = serverLogProblems(log);
      emit({
        type: 'step:end',
        drill: drill.name,
        step: 'restore',
        status: restoreStep.status,
        durationMs: restoreStep.durationMs,
        message: info.message,
      });
      result.steps.push(restoreStep);
      result.error = info;
    }
  }
  // Checks run only on a restored database; not reaching it is a step of its own, not a failed restore.
  if (outcome && !result.error) {
    try {
      await runChecks(options, outcome, result, signal);
    } catch (error) {
      const info = toErrorInfo(error, signal, drill);
      result.steps.push({ name: 'checks', status: 'error', durationMs: 0, error: info, message: info.message });
      result.error = info;
    }
    // A check cut short by the abort is not the backup's fault: the drill is cancelled (or timed out).
    if (signal.aborted && !result.error) {
      const info = toErrorInfo(signal.reason, signal, drill);
      result.steps.push({ name: 'checks', status: 'error', durationMs: 0, error: info, message: info.message });
      result.error = info;
    }
  }
  // Checks that never ran are listed with the reason, so a report (and a JUnit history) shows every check the suite asked for.
  if (result.error && result.checks.length === inventoryResults) listNotRun(drill, result, emit);
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

/** Runs the checks into `result.checks`; throws when they cannot go on (SERVER_DIED, the check role not made). */
async function runChecks(
  options: RunDrillOptions,
  outcome: RestoreOutcome,
  result: DrillResult,
  signal: AbortSignal,
): Promise<void> {
  const restoreSeconds = result.restoreSeconds!;
  const { drill, suite, emit } = options;
  const connection = { ...outcome.server.connection, database: outcome.database };
  options.redact?.add(connection.password);
  // pgdrill's own superuser connection: its own SQL only, never what a suite wrote.
  const admin = createCheckConnection(connection, { signal });
  let db: CheckConnection | undefined;
  try {
    const role = await createCheckRole(admin, {
      database: outcome.database,
      statementTimeoutSeconds: drill.checkTimeoutSeconds ?? DEFAULT_CHECK_STATEMENT_TIMEOUT_SECONDS,
    });
    options.redact?.add(role.password);
    db = createCheckConnection(
      { ...connection, user: role.user, password: role.password },
      { signal, readOnly: { role: role.user, statementTimeoutSeconds: role.statementTimeoutSeconds } },
    );
    const context: CheckContext = {
      db,
      admin,
      database: outcome.database,
      restoreSeconds,
      objectives: suite.objectives,
      suiteDir: suite.dir,
      signal,
      recovery: outcome.recovery,
    };
    if (result.engine) result.engine.extensions = await captureExtensions(admin);
    const record = (check: CheckResult) => {
      result.checks.push(check);
      emit({ type: 'check:end', drill: drill.name, check });
    };
    if (outcome.scope) record(await checkRestoreScope(admin, outcome.scope.only, outcome.scope.dumpedTables));
    // Physical drills always prove the point reached, listed or not.
    const databaseChecks = drill.checks.filter((c) => !isInventoryCheck(c));
    const checks =
      outcome.recovery && !drill.checks.some((c) => c.type === 'recovery')
        ? [{ definition: recoveryCheck, options: recoveryCheck.options.parse({}) }, ...databaseChecks]
        : databaseChecks;
    for (const [index, check] of checks.entries()) {
      const checked = await runCheck(check.definition as CheckDefinition<unknown>, check.options, context);
      record(checked);
      // A check that errs because the server died says nothing of the backup: the drill is the world's fault.
      const died =
        checked.status === 'error' && !signal.aborted
          ? await outcome.server.explainDeath(`the ${checked.name} check`, new Error(checked.message ?? 'it failed'))
          : undefined;
      if (died) {
        for (const rest of checks.slice(index + 1))
          record(
            skippedCheck(rest.definition as CheckDefinition<unknown>, rest.options, 'not run: the restore server died'),
          );
        throw died;
      }
    }
  } catch (error) {
    // Setting up the checks (the check role, the extensions) fails the same way when the server is gone.
    if (signal.aborted || !(error instanceof Error) || isDrillError(error)) throw error;
    throw (await outcome.server.explainDeath('the checks', error)) ?? error;
  } finally {
    await db?.close();
    await admin.close();
  }
}

/** The drill's database checks, skipped with why: the restore (or the listing before it, or the checks' set-up) did not finish. */
function listNotRun(drill: ResolvedDrill, result: DrillResult, emit: EmitEvent): void {
  const step = result.steps.find((s) => s.status !== 'passed');
  const what =
    step?.name === 'inventory' ? 'the backup listing' : step?.name === 'checks' ? 'the check set-up' : 'the restore';
  const reason =
    result.error?.code === 'DRILL_CANCELLED'
      ? 'not run: the drill was cancelled'
      : step?.status === 'failed'
        ? `not run: ${what} failed`
        : `not run: ${what} could not finish (${result.error!.code})`;
  for (const check of drill.checks.filter((c) => !isInventoryCheck(c))) {
    const skipped = skippedCheck(check.definition as CheckDefinition<unknown>, check.options, reason);
    result.checks.push(skipped);
    emit({ type: 'check:end', drill: drill.name, check: skipped });
  }
}

/** Run the inventory step; a listing that fails ends the drill as the restore step's errors do. */
async function runInventoryStep(options: RunInventoryOptions, elapsed: () => number): Promise<void> {
  const { drill, result, signal } = options;
  try {
    result.checks.push(...(await runInventoryChecks(options)));
  } catch (error) {
    const info = toErrorInfo(error, signal, drill);
    const status = info.exitCode === 1 ? 'failed' : 'error';
    result.steps.push({ name: 'inventory', status, durationMs: elapsed(), error: info, message: info.message });
    options.emit({
      type: 'step:end',
      drill: drill.name,
      step: 'inventory',
      status,
      durationMs: elapsed(),
      message: info.message,
    });
    result.error = info;
  }
}

function requireEngine(options: RunDrillOptions): Engine {
  if (options.engine) return options.engine;
  throw new EngineError('NO_ENGINE', `drill ${options.drill.name} restores a backup but was given no engine`, {
    hint: 'pass an engine to runDrill; only drills whose checks are all inventory checks run without one',
  });
}

/** The server log lines that say something went wrong (not the start-up chatter), newest last. */
function serverLogProblems(lines: string[]): string[] {
  return lines
    .filter((l) => /\b(ERROR|FATAL|PANIC|WARNING):/.test(l))
    .slice(-10)
    .map((l) => `server log: ${l}`);
}

function verdict(result: DrillResult): DrillResult['status'] {
  if (result.steps.some((s) => s.status === 'error')) return 'error';
  if (
    result.steps.some((s) => s.status === 'failed') ||
    result.checks.some((c) => c.status === 'failed' || c.status === 'error')
  )
    return 'failed';
  return 'passed';
}

function drillErrorInfo(error: DrillError): ErrorInfo {
  return {
    code: error.code,
    message: error.message,
    hint: error.hint,
    details: error.details,
    exitCode: exitCodeFor(error),
  };
}

function toErrorInfo(error: unknown, signal: AbortSignal, drill: ResolvedDrill): ErrorInfo {
  // Once the drill is aborted, whatever failed next failed because of the abort: say so, not the symptom.
  if (signal.aborted) {
    // A stall aborts with its own error, which names the step and the last progress.
    const reason: unknown = signal.reason;
    if (isDrillError(reason)) return drillErrorInfo(reason);
    const timedOut = signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError';
    return timedOut
      ? {
          code: 'DRILL_TIMEOUT',
          message: `the drill did not finish within its timeout of ${drill.timeoutSeconds} s`,
          hint: 'raise `timeout` for this drill, or find what is slow in the step timings',
          exitCode: 3,
        }
      : { code: 'DRILL_CANCELLED', message: 'the drill was cancelled', exitCode: 130 };
  }
  if (isDrillError(error)) return drillErrorInfo(error);
  return {
    code: 'INTERNAL_ERROR',
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    hint: 'this is a bug in pgdrill; please report it with this message',
    exitCode: 70,
  };
}

/** The disk reservation, with its waits for other drills' space not counted as a stall. */
function exemptFromStall(
  disk: DiskReservation,
  stall: { exempt<T>(fn: () => Promise<T>): Promise<T> },
): DiskReservation {
  return {
    reserve: (estimate, what) => stall.exempt(() => disk.reserve(estimate, what)),
    get waitedMs() {
      return disk.waitedMs;
    },
    // runDrill releases the real reservation; the restore never does.
    [Symbol.dispose]: () => undefined,
  };
}

/** The log of the server the drill started, if it got that far (for the restore step's details). */
async function lastServerLog(stack: CleanupStack): Promise<string[]> {
  const server = stack.resources().find(isStartedServer);
  return server ? server.logTail(200).catch(() => []) : [];
}

function isStartedServer(resource: unknown): resource is StartedServer {
  return typeof (resource as StartedServer).logTail === 'function';
}
