import { createDockerEngine } from '../engines/docker/docker-engine.js';
import { chooseImage, defaultImageRules, describePick, type ImageRule } from '../engines/docker/docker-images.js';
import {
  connectRuntime,
  imageExists,
  requireImage,
  resolveImage,
  type PullPolicy,
} from '../engines/docker/docker-runtime.js';
import type { Engine, ProbeResult } from '../engines/engine.js';
import { findInstallations } from '../engines/local/find-installations.js';
import { createLocalEngine, pickInstallation } from '../engines/local/local-engine.js';
import { selectEngine, type EnginePreference } from '../engines/select-engine.js';
import { EngineError } from '../errors.js';
import { pickMajor } from '../drill/pick-major.js';
import type { ResolvedDrill, ResolvedSuite } from '../suite/resolved-suite.js';
import type { BackupCheck } from './preflight-backup.js';
import { fail, ok, type PreflightFinding } from './preflight-result.js';

/** The engine a run would choose, as the run chooses it (the first suite's engine settings, --engine, PGDRILL_ENGINE). */
export interface EnginePlan {
  finding: PreflightFinding;
  engine?: Engine;
  probe?: ProbeResult;
  binDir?: string;
  docker: { rules: ImageRule[]; pull: PullPolicy };
}

export async function planEngine(
  suite: ResolvedSuite,
  env: Record<string, string | undefined>,
  preference?: EnginePreference,
): Promise<EnginePlan> {
  const settings = suite.engine;
  const docker = {
    rules: [...(settings.docker?.images ?? []), ...defaultImageRules(env)],
    pull: settings.docker?.pull ?? (env.PGDRILL_DOCKER_PULL === 'never' ? 'never' : 'missing'),
  } satisfies EnginePlan['docker'];
  const engines = [
    createDockerEngine({ ...settings.docker, osUser: settings.osUser, env }),
    createLocalEngine({ binDir: settings.binDir, osUser: settings.osUser }),
  ];
  const wanted = preference ?? engineFromEnv(env) ?? settings.kind;
  try {
    const { engine, reasons } = await selectEngine(wanted, engines);
    const probe = reasons.at(-1)!;
    const others = reasons.slice(0, -1).map((r) => `; ${r.kind} not usable: ${r.reason}`);
    const message = `${wanted} → ${engine.kind}: ${probe.reason}${others.join('')}`;
    return { finding: ok('engine selection', message), engine, probe, binDir: settings.binDir, docker };
  } catch (error) {
    return { finding: fail('engine selection', error), binDir: settings.binDir, docker };
  }
}

/** The server major a drill needs and whether the chosen engine has it: local binaries, or a docker image present. */
export async function checkDrillEngine(
  plan: EnginePlan,
  drill: ResolvedDrill,
  backup: BackupCheck,
): Promise<PreflightFinding> {
  if (!plan.engine || !plan.probe) return fail('engine', new Error('no usable engine (see the suite lines above)'));
  const { kind } = plan.engine;
  try {
    const logical = drill.source.kind === 'pgdump';
    const requested = drill.postgres.major;
    // A dump restores into its own major or a newer one; a physical backup needs exactly its own.
    const major = logical
      ? pickMajor({ requested, sourceMajor: backup.major, available: plan.probe.majors, engine: kind })
      : (requested ?? backup.major);
    const why =
      requested !== undefined
        ? 'postgres.major'
        : backup.major !== undefined
          ? `the backup is PostgreSQL ${backup.major}`
          : `the newest here; the backup's major is known only once it is read${backup.majorUnknown ? ` (${backup.majorUnknown})` : ''}`;
    const found =
      kind === 'docker'
        ? await dockerImage(plan, major ?? plan.probe.majors[0])
        : await localBinaries(plan, major, logical);
    return ok('engine', `${found} (${why})`);
  } catch (error) {
    return fail('engine', error);
  }
}

async function localBinaries(plan: EnginePlan, major: number | undefined, logical: boolean): Promise<string> {
  const installation = pickInstallation(await findInstallations({ binDir: plan.binDir }), major, plan.binDir);
  const missing = (logical ? (['pg_restore', 'psql'] as const) : []).filter((t) => !installation.tools[t]);
  if (missing.length > 0)
    throw new EngineError(
      'PG_RESTORE_NOT_FOUND',
      `${installation.binDir} (PostgreSQL ${installation.version}) lacks ${missing.join(' and ')}, which a pg_dump restore runs`,
      { hint: `install postgresql-client-${installation.major}` },
    );
  return `local: PostgreSQL ${installation.version} in ${installation.binDir}`;
}

// The docker engine's own image lookup, short of pulling: a missing image with pulls off is what the run would fail on.
async function dockerImage(plan: EnginePlan, major: number | undefined): Promise<string> {
  if (major === undefined)
    throw new EngineError('POSTGRES_MAJOR_NOT_INSTALLED', 'the docker engine has no PostgreSQL image to start', {
      hint: 'build one with scripts/build-images.sh, or allow pulls (engine.docker.pull: missing)',
    });
  const choice = chooseImage(plan.docker.rules, major);
  const runtime = await connectRuntime();
  const pick = await resolveImage(runtime, choice, plan.docker.pull);
  if (await imageExists(runtime, pick.image)) return `docker: PostgreSQL ${major} on ${describePick(pick)} (present)`;
  if (plan.docker.pull === 'missing')
    return `docker: PostgreSQL ${major} on ${pick.image} (not present: the run pulls it, pulls are allowed)`;
  // With pulls off this only throws the run's own DOCKER_IMAGE_MISSING; it never pulls.
  await requireImage(runtime, pick.image, 'never', `rule ${choice.rule}`);
  return `docker: PostgreSQL ${major} on ${pick.image}`;
}

function engineFromEnv(env: Record<string, string | undefined>): EnginePreference | undefined {
  const value = env.PGDRILL_ENGINE;
  return value === 'auto' || value === 'local' || value === 'docker' ? value : undefined;
}
