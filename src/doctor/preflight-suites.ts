import type { CheckDefinition } from '../checks/check.js';
import { builtinChecks } from '../checks/index.js';
import { isInventoryOnly } from '../drill/run-inventory.js';
import type { EnginePreference } from '../engines/select-engine.js';
import { formatPath } from '../suite/interpolate-env.js';
import type { ResolvedDrill, ResolvedSuite } from '../suite/resolved-suite.js';
import { createSuiteRedactor } from '../util/redact.js';
import type { ToolStatus } from './diagnose.js';
import { checkBackup } from './preflight-backup.js';
import { checkDrillEngine, planEngine, type EnginePlan } from './preflight-engine.js';
import { checkRequestedMajor } from './preflight-major.js';
import { ok, skip, type PreflightFinding, type PreflightGroup, type PreflightResult } from './preflight-result.js';
import { checkStore } from './preflight-store.js';
import { checkTools, toolsFor } from './preflight-tools.js';
import { loadSuiteForPreflight, type EnvReference } from './suite-env.js';

export type { PreflightFinding, PreflightGroup, PreflightResult };

export interface PreflightOptions {
  env?: Record<string, string | undefined>;
  /** Overrides the suite's `engine.kind`, as `run --engine` does. */
  engine?: EnginePreference;
  /** Custom checks the suites use, besides the built-in ones. */
  checks?: CheckDefinition<unknown>[];
}

/**
 * `pgdrill doctor <suite…>`: everything a run of these suites would need, checked without restoring or
 * starting a server: the environment variables they name, each store, the backup each drill would pick,
 * the server major and binaries or image, and the tools its source runs. An invalid suite throws (exit 2).
 */
export async function preflightSuites(files: string[], options: PreflightOptions = {}): Promise<PreflightResult> {
  const env = options.env ?? process.env;
  const checks = [...builtinChecks, ...(options.checks ?? [])];
  const loaded = await Promise.all(files.map((file) => loadSuiteForPreflight(file, { checks, env })));
  const needsEngine = loaded.some(({ suite }) => suite.drills.some((d) => !isInventoryOnly(d)));
  // One engine for the whole run, chosen from the first suite's settings, as `pgdrill run` does.
  const plan = needsEngine ? await planEngine(loaded[0]!.suite, env, options.engine) : undefined;
  const toolProbes = new Map<string, Promise<ToolStatus>>();
  const groups: PreflightGroup[] = [];
  for (const { suite, env: refs } of loaded) {
    const stores = storeFindings(suite, refs);
    const suiteRefs = refs.filter((r) => drillsOf(suite, r).length === 0);
    groups.push({
      suite: suite.name,
      file: suite.file,
      findings: [...envFindings(suiteRefs), ...(plan ? [plan.finding] : [])],
    });
    const drills = await Promise.all(
      suite.drills.map(async (drill, index) => ({
        suite: suite.name,
        file: suite.file,
        drill: drill.name,
        findings: await drillFindings({ suite, drill, index, refs, stores, plan, env, toolProbes }),
      })),
    );
    groups.push(...drills);
  }
  const redact = createSuiteRedactor(
    loaded.map((l) => l.suite),
    env,
  );
  const safe = redact.value(groups);
  return { groups: safe, exitCode: safe.some((g) => g.findings.some((f) => f.status === 'fail')) ? 3 : 0 };
}

interface DrillContext {
  suite: ResolvedSuite;
  drill: ResolvedDrill;
  index: number;
  refs: EnvReference[];
  stores: Map<string, Promise<PreflightFinding>>;
  plan: EnginePlan | undefined;
  env: Record<string, string | undefined>;
  toolProbes: Map<string, Promise<ToolStatus>>;
}

async function drillFindings(ctx: DrillContext): Promise<PreflightFinding[]> {
  const { suite, drill } = ctx;
  const env = envFindings(ctx.refs.filter((r) => drillsOf(suite, r).includes(ctx.index)));
  const storeNames = storesOf(drill);
  const stores = await Promise.all(storeNames.map((name) => ctx.stores.get(name)!));
  // A stand-in value in the source's own settings (a key, a prefix) would be looked for in vain.
  const unsetInSource = ctx.refs
    .filter(
      (r) =>
        !r.set &&
        r.via === 'placeholder' &&
        r.path[0] === 'drills' &&
        r.path[1] === ctx.index &&
        r.path[2] === 'source',
    )
    .map((r) => r.name);
  const blocked = [
    ...stores
      .filter((f) => f.status !== 'ok')
      .map((f) => `${f.subject} ${f.status === 'skip' ? 'was not checked' : 'failed'}`),
    ...(unsetInSource.length ? [`its source settings use ${[...new Set(unsetInSource)].join(', ')}, not set`] : []),
  ];
  const backup = blocked.length
    ? { finding: skip('backup', `not looked for: ${blocked.join('; ')}`), compressions: [] }
    : await checkBackup({ suite, drill, env: ctx.env });
  const major = isInventoryOnly(drill) ? undefined : checkRequestedMajor(drill, backup);
  // A refused postgres.major stops the run before any server is chosen: the engine line would repeat it.
  const engine = isInventoryOnly(drill)
    ? ok('engine', 'none needed: inventory checks only, no server is started')
    : major?.status === 'fail'
      ? skip('engine', 'not checked: postgres.major is refused (see above)')
      : await checkDrillEngine(ctx.plan!, drill, backup);
  const tools = await checkTools(toolsFor(drill, backup), ctx.toolProbes);
  return [...env, ...stores, backup.finding, ...(major ? [major] : []), engine, ...tools];
}

/** Each store any drill uses, checked once; a store whose settings use an unset variable is not probed. */
function storeFindings(suite: ResolvedSuite, refs: EnvReference[]): Map<string, Promise<PreflightFinding>> {
  const findings = new Map<string, Promise<PreflightFinding>>();
  for (const name of new Set(suite.drills.flatMap(storesOf))) {
    const unset = refs.filter((r) => !r.set && r.path[0] === 'storage' && r.path[1] === name).map((r) => r.name);
    findings.set(
      name,
      unset.length > 0
        ? Promise.resolve(
            skip(`store ${name}`, `not checked: its settings use ${[...new Set(unset)].join(', ')}, not set`),
          )
        : checkStore(name, suite.storage[name]!, suite.dir),
    );
  }
  return findings;
}

function storesOf(drill: ResolvedDrill): string[] {
  const source = drill.source;
  return source.kind === 'basebackup' && source.walStore !== source.store
    ? [source.store, source.walStore]
    : [source.store];
}

/** The drills (by index) an environment reference matters to: its own drill, or every drill using its store. */
function drillsOf(suite: ResolvedSuite, ref: EnvReference): number[] {
  const [top, key] = ref.path;
  if (top === 'drills' && typeof key === 'number') return [key];
  if (top === 'storage') return suite.drills.flatMap((drill, i) => (storesOf(drill).includes(String(key)) ? [i] : []));
  return [];
}

/** One line per variable (values are never shown). */
function envFindings(refs: EnvReference[]): PreflightFinding[] {
  const seen = new Set<string>();
  return refs.flatMap((ref): PreflightFinding[] => {
    const where = formatPath(ref.path);
    if (seen.has(`${ref.name} ${where}`)) return [];
    seen.add(`${ref.name} ${where}`);
    const subject = `env ${ref.name}`;
    if (ref.defaulted) return [ok(subject, `not set; the default written in ${where} applies`)];
    if (ref.set) return [ok(subject, `set (${where})`)];
    return [
      {
        status: 'fail',
        subject,
        message: `${ref.name} is not set (${where}${ref.via === 'key' ? ' names it' : ''})`,
        hint:
          ref.via === 'key'
            ? `export ${ref.name} in the environment that runs pgdrill (a CI secret); the suite holds only its name`
            : `export ${ref.name} in the environment that runs pgdrill, or write \${${ref.name}:-default} in the suite`,
      },
    ];
  });
}
