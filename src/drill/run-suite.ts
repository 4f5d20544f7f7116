import type { Engine } from '../engines/engine.js';
import { createDockerEngine } from '../engines/docker/docker-engine.js';
import { createLocalEngine } from '../engines/local/local-engine.js';
import { selectEngine, type EnginePreference } from '../engines/select-engine.js';
import { ConfigError } from '../errors.js';
import { ignoreEvents, type EmitEvent } from '../events.js';
import { createDiskBudget, type DiskGuardOptions } from '../fleet/disk-budget.js';
import { runExitCode } from '../fleet/exit-severity.js';
import { runPool } from '../fleet/run-pool.js';
import { formatShard, selectShard, type ShardSpec } from '../fleet/shard.js';
import type { RunResult } from '../results.js';
import type { ResolvedSuite } from '../suite/resolved-suite.js';
import { runDrill } from './run-drill.js';
import { createSuiteRedactor, MIN_REDACTED_LENGTH, type Redactor } from '../util/redact.js';
import { isInventoryOnly } from './run-inventory.js';
import { sweepLeftovers } from '../lifecycle/sweep-leftovers.js';

export { runExitCode };

export interface RunSuiteOptions {
  /** Overrides the suite's `engine.kind`. */
  engine?: EnginePreference;
  /** Run only the drills with these names. */
  only?: string[];
  /** Leave the server and files of a failed drill for inspection. @default false */
  keepOnFailure?: boolean;
  emit?: EmitEvent;
  signal?: AbortSignal;
  env?: Record<string, string | undefined>;
  /** Engines to choose from; the default is every engine pgdrill has. */
  engines?: Engine[];
  /** Run only this shard of the selected drills (the rule: src/fleet/shard.ts). */
  shard?: ShardSpec;
  /** Drills run at once, each with its own server, port and directory. @default 1 */
  concurrency?: number;
  /** The free-space guard before each restore. @default { check: true } */
  disk?: DiskGuardOptions;
  /**
   * Redacts secrets from every event and from the result. @default the values of every `*Env` the suites
   * name, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and PGPASSWORD (createSuiteRedactor); drills add their
   * servers' passwords to it
   */
  redact?: Redactor;
}

/**
 * Run the drills of one or more suites (or of one shard of them) on one engine, `concurrency` at a time,
 * and compute the exit code. Results are in suite order whatever order the drills finish in.
 */
export async function runSuites(suites: ResolvedSuite[], options: RunSuiteOptions = {}): Promise<RunResult> {
  const env = options.env ?? process.env;
  // One boundary for secrets: every event and the result leave the run redacted, whatever a suite interpolated.
  const suiteRedactor = createSuiteRedactor(suites, env);
  const redact = options.redact ?? suiteRedactor;
  const emitRaw = options.emit ?? ignoreEvents;
  const emit: EmitEvent = (event) => emitRaw(redact.value(event));
  warnShortSecrets(suiteRedactor.tooShort, emit);
  const startedAt = new Date();
  const requested = suites.flatMap((suite) =>
    suite.drills.filter((d) => !options.only || options.only.includes(d.name)).map((drill) => ({ suite, drill })),
  );
  if (requested.length === 0) {
    const names = suites.flatMap((s) => s.drills.map((d) => d.name));
    throw new ConfigError(
      'NO_DRILL_SELECTED',
      `no drill named ${options.only?.join(', ')} in ${suites.map((s) => s.file).join(', ')}`,
      { hint: `drills: ${names.join(', ')}` },
    );
  }
  const name = suites.map((s) => s.name).join(' + ');
  const selected = selectShard(requested, options.shard);
  const shard = options.shard ? { shard: { index: options.shard.index, count: options.shard.count } } : {};
  if (selected.length === 0) {
    // More shards than drills: this machine has nothing to do, which is not a failure.
    emit({
      type: 'note',
      message: `shard ${formatShard(options.shard!)} has no drills (${requested.length} drill${requested.length === 1 ? '' : 's'} in ${options.shard!.count} shards): nothing to run`,
    });
    const result: RunResult = {
      suite: { name, files: suites.map((s) => s.file) },
      startedAt: startedAt.toISOString(),
      finishedAt: startedAt.toISOString(),
      durationMs: 0,
      drills: [],
      exitCode: 0,
      ...shard,
    };
    emit({ type: 'run:end', result });
    return result;
  }
  const first = suites[0]!;
  // `auto` tries docker first: a Docker engine runs the major and extensions production has.
  const engines = options.engines ?? [
    createDockerEngine({ ...first.engine.docker, osUser: first.engine.osUser, env }),
    createLocalEngine({ binDir: first.engine.binDir, osUser: first.engine.osUser }),
  ];
  // Inventory-only drills start no server: a machine without PostgreSQL can still run them.
  const needsEngine = selected.some((s) => !isInventoryOnly(s.drill));
  const preference = options.engine ?? enginePreferenceFromEnv(env) ?? first.engine.kind;
  const { engine, reasons } = needsEngine
    ? await selectEngine(preference, engines)
    : { engine: undefined, reasons: [] };
  const reason = needsEngine
    ? reasons.map((r) => `${r.kind}: ${r.usable ? 'usable' : 'not usable'} (${r.reason})`).join('; ')
    : 'inventory checks only: no server is started';
  emit({
    type: 'run:start',
    suite: name,
    drills: selected.map((s) => s.drill.name),
    engine: engine?.kind ?? 'none',
    engineReason: reason,
  });
  // What runs that died (SIGKILL, a reboot) left behind goes first; a sweep that fails never fails the run.
  const swept = await sweepLeftovers().catch((error: unknown) => ({
    removed: [],
    failed: error instanceof Error ? error.message : String(error),
  }));
  for (const line of swept.removed) emit({ type: 'note', message: `removed leftover: ${line}` });
  if ('failed' in swept)
    emit({
      type: 'warning',
      message: `could not sweep what earlier pgdrill runs left behind: ${swept.failed}; try pgdrill clean`,
    });
  const disk = createDiskBudget(options.disk);
  const drills = await runPool(
    selected,
    { concurrency: options.concurrency, signal: options.signal },
    ({ suite, drill }) =>
      runDrill({
        suite,
        drill,
        engine,
        emit,
        signal: options.signal,
        keepOnFailure: options.keepOnFailure,
        env: options.env,
        disk,
        redact,
      }),
  );
  const finishedAt = new Date();
  const result: RunResult = {
    suite: { name, files: suites.map((s) => s.file) },
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    drills: redact.value(drills),
    exitCode: runExitCode(drills),
    ...shard,
  };
  emit({ type: 'run:end', result });
  return result;
}

/** A secret too short to redact is named (never shown), so the user knows it is not hidden. */
function warnShortSecrets(names: string[], emit: EmitEvent): void {
  for (const name of names) {
    emit({
      type: 'warning',
      message: `${name} holds a secret of fewer than ${MIN_REDACTED_LENGTH} characters, too short to redact from output: use a longer one`,
    });
  }
}

/** PGDRILL_ENGINE (auto, local, docker) sets the engine for every suite of a machine; --engine overrides it. */
function enginePreferenceFromEnv(env: Record<string, string | undefined>): EnginePreference | undefined {
  const value = env.PGDRILL_ENGINE;
  if (value === undefined || value === '') return undefined;
  if (value === 'auto' || value === 'local' || value === 'docker') return value;
  throw new ConfigError('INVALID_ENGINE', `PGDRILL_ENGINE is "${value}"; it must be auto, local or docker`, {
    hint: 'fix or unset PGDRILL_ENGINE',
  });
}
