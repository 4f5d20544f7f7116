import type { Engine } from '../engines/engine.js';
import { createDockerEngine } from '../engines/docker/docker-engine.js';
import { createLocalEngine } from '../engines/local/local-engine.js';
import { selectEngine, type EnginePreference } from '../engines/select-engine.js';
import { ConfigError } from '../errors.js';
import { ignoreEvents, type EmitEvent } from '../events.js';
import type { DrillResult, RunResult } from '../results.js';
import type { ResolvedSuite } from '../suite/resolved-suite.js';
import { runDrill } from './run-drill.js';
import { isInventoryOnly } from './run-inventory.js';

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
}

/** Run every drill of one or more suites (in order) on one engine, and compute the exit code. */
export async function runSuites(suites: ResolvedSuite[], options: RunSuiteOptions = {}): Promise<RunResult> {
  const emit = options.emit ?? ignoreEvents;
  const startedAt = new Date();
  const selected = suites.flatMap((suite) => suite.drills.filter((d) => !options.only || options.only.includes(d.name)).map((drill) => ({ suite, drill })));
  if (selected.length === 0) {
    const names = suites.flatMap((s) => s.drills.map((d) => d.name));
    throw new ConfigError('NO_DRILL_SELECTED', `no drill named ${options.only?.join(', ')} in ${suites.map((s) => s.file).join(', ')}`, { hint: `drills: ${names.join(', ')}` });
  }
  const first = suites[0]!;
  const env = options.env ?? process.env;
  // `auto` tries docker first: a Docker engine runs the major and extensions production has.
  const engines = options.engines ?? [
    createDockerEngine({ ...first.engine.docker, osUser: first.engine.osUser, env }),
    createLocalEngine({ binDir: first.engine.binDir, osUser: first.engine.osUser }),
  ];
  // Inventory-only drills start no server: a machine without PostgreSQL can still run them.
  const needsEngine = selected.some((s) => !isInventoryOnly(s.drill));
  const preference = options.engine ?? enginePreferenceFromEnv(env) ?? first.engine.kind;
  const { engine, reasons } = needsEngine ? await selectEngine(preference, engines) : { engine: undefined, reasons: [] };
  const reason = needsEngine ? reasons.map((r) => `${r.kind}: ${r.usable ? 'usable' : 'not usable'} (${r.reason})`).join('; ') : 'inventory checks only: no server is started';
  const name = suites.map((s) => s.name).join(' + ');
  emit({ type: 'run:start', suite: name, drills: selected.map((s) => s.drill.name), engine: engine?.kind ?? 'none', engineReason: reason });
  const drills: DrillResult[] = [];
  for (const { suite, drill } of selected) {
    if (options.signal?.aborted) break;
    drills.push(await runDrill({ suite, drill, engine, emit, signal: options.signal, keepOnFailure: options.keepOnFailure, env: options.env }));
  }
  const finishedAt = new Date();
  const result: RunResult = {
    suite: { name, files: suites.map((s) => s.file) },
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    drills,
    exitCode: runExitCode(drills),
  };
  emit({ type: 'run:end', result });
  return result;
}

/** PGDRILL_ENGINE (auto, local, docker) sets the engine for every suite of a machine; --engine overrides it. */
function enginePreferenceFromEnv(env: Record<string, string | undefined>): EnginePreference | undefined {
  const value = env.PGDRILL_ENGINE;
  if (value === undefined || value === '') return undefined;
  if (value === 'auto' || value === 'local' || value === 'docker') return value;
  throw new ConfigError('INVALID_ENGINE', `PGDRILL_ENGINE is "${value}"; it must be auto, local or docker`, { hint: 'fix or unset PGDRILL_ENGINE' });
}

/** The most severe outcome wins: a bug (70), then usage (2), then infrastructure (3), then a bad backup (1). */
export function runExitCode(drills: DrillResult[]): number {
  const codes = drills.map((d) => (d.status === 'passed' ? 0 : (d.error?.exitCode ?? 1)));
  for (const code of [70, 130, 2, 3, 1]) if (codes.includes(code)) return code;
  return 0;
}
