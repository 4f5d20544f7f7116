import { performance } from 'node:perf_hooks';
import type { CheckContext, CheckDefinition, Queryable } from '../checks/check.js';
import { runCheck } from '../checks/run-check.js';
import { DrillError } from '../errors.js';
import type { EmitEvent } from '../events.js';
import { listInventory } from '../inventory/list-inventory.js';
import type { CheckResult, DrillResult, StepResult } from '../results.js';
import type { ResolvedCheck, ResolvedDrill, ResolvedSuite } from '../suite/resolved-suite.js';

export function isInventoryCheck(check: ResolvedCheck): boolean {
  return check.definition.kind === 'inventory';
}

/** A drill whose checks all judge the source's listing restores nothing: no engine, no server. */
export function isInventoryOnly(drill: ResolvedDrill): boolean {
  return drill.checks.length > 0 && drill.checks.every(isInventoryCheck);
}

export interface RunInventoryOptions {
  suite: ResolvedSuite;
  drill: ResolvedDrill;
  emit: EmitEvent;
  signal: AbortSignal;
  env: Record<string, string | undefined>;
  /** A private directory for tool locks. */
  workDir: string;
  /** The step `inventory` and the check results are appended to it. */
  result: DrillResult;
  /** Ages are measured against this. @default new Date() */
  now?: Date;
}

// Inventory checks never query; a call here is a bug in a check, reported as that check's error.
const noDatabase: Queryable = {
  query: () =>
    Promise.reject(
      new DrillError(
        'NO_DATABASE',
        'an inventory check tried to query a database; inventory checks run before any restore',
      ),
    ),
};

/**
 * List the drill's source (step `inventory`) and run its inventory checks against the listing. A listing
 * that fails throws (the drill cannot judge the backups); a check that does not hold is a result.
 */
export async function runInventoryChecks(options: RunInventoryOptions): Promise<CheckResult[]> {
  const { drill, emit, result } = options;
  const started = performance.now();
  const step: StepResult = { name: 'inventory', status: 'passed', durationMs: 0 };
  emit({ type: 'step:start', drill: drill.name, step: 'inventory', detail: 'listing the source (no restore)' });
  const inventory = await listInventory({
    suite: options.suite,
    source: drill.source,
    workDir: options.workDir,
    env: options.env,
    signal: options.signal,
  });
  step.durationMs = Math.round(performance.now() - started);
  const newest = inventory.backups.at(-1);
  step.message = `${inventory.backups.length} backup${inventory.backups.length === 1 ? '' : 's'} in ${inventory.where}${newest ? `, newest ${newest.id} at ${newest.time.toISOString()}` : ''}${inventory.wal?.newest ? `; newest WAL ${inventory.wal.newest.name} at ${inventory.wal.newest.at.toISOString()}` : ''}`;
  if (inventory.ignored.length > 0) step.details = inventory.ignored.map((line) => `ignored: ${line}`);
  result.steps.push(step);
  result.timings!.inventorySeconds = step.durationMs / 1000;
  emit({
    type: 'step:end',
    drill: drill.name,
    step: 'inventory',
    status: 'passed',
    durationMs: step.durationMs,
    message: step.message,
  });
  const context: CheckContext = {
    db: noDatabase,
    database: '',
    restoreSeconds: 0,
    objectives: options.suite.objectives,
    suiteDir: options.suite.dir,
    signal: options.signal,
    inventory,
    now: options.now ?? new Date(),
  };
  const checks: CheckResult[] = [];
  for (const check of drill.checks.filter(isInventoryCheck)) {
    const outcome = await runCheck(check.definition as CheckDefinition<unknown>, check.options, context);
    checks.push(outcome);
    emit({ type: 'check:end', drill: drill.name, check: outcome });
  }
  return checks;
}
