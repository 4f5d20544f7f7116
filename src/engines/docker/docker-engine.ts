import type { ContainerRuntimeClient } from 'testcontainers';
import type {
  ClientTool,
  Engine,
  ProbeResult,
  RestoredServer,
  RestoredServerSpec,
  ServerSpec,
  StartedServer,
} from '../engine.js';
import {
  chooseImage,
  defaultImageRules,
  describePicks,
  describeRule,
  PULLABLE_MAJORS,
  type ImageChoice,
  type ImageRule,
  type PickedImage,
} from './docker-images.js';
import { connectRuntime, imageExists, resolveImage, usableImage, type PullPolicy } from './docker-runtime.js';
import { startDockerServer } from './start-docker-server.js';
import { startRestoredContainer } from './start-restored-container.js';
import { dockerToolCommand, type DockerToolCommand, type DockerToolOptions } from './docker-tool-command.js';
import { startToolContainer, type ToolContainer, type ToolContainerRequest } from './tool-container.js';

export interface DockerEngineOptions {
  /** Image rules tried before the defaults (official postgres and TimescaleDB images). */
  images?: ImageRule[];
  /** `missing`: let Docker pull an image that is not present · `never`: a missing image is an error. @default 'missing' */
  pull?: PullPolicy;
  /** The OS user restored servers run as when pgdrill runs as root (as for the local engine). @default postgres */
  osUser?: string;
  env?: Record<string, string | undefined>;
}

export interface DockerEngine extends Engine {
  startRestored: NonNullable<Engine['startRestored']>;
  /** A client tool of `minMajor` or newer in a throwaway container, for reads before any server exists. */
  toolCommand(
    tool: ClientTool | 'pg_combinebackup',
    minMajor: number,
    readPaths: string[],
    access?: Pick<DockerToolOptions, 'writePaths' | 'user'>,
  ): Promise<DockerToolCommand>;
  /** A long-lived container of exactly `request.major`'s image whose tools pgdrill runs with `docker exec` (pgBackRest). */
  toolContainer(request: ToolContainerRequest): Promise<ToolContainer>;
}

export function isDockerEngine(engine: Engine): engine is DockerEngine {
  return engine.kind === 'docker' && typeof (engine as Partial<DockerEngine>).toolCommand === 'function';
}

/** Servers in containers through testcontainers, on images matching production's major and extensions. */
export function createDockerEngine(options: DockerEngineOptions = {}): DockerEngine {
  const env = options.env ?? process.env;
  const rules = [...(options.images ?? []), ...defaultImageRules(env)];
  const pull: PullPolicy = options.pull ?? (env.PGDRILL_DOCKER_PULL === 'never' ? 'never' : 'missing');
  let runtime: Promise<ContainerRuntimeClient> | undefined;
  const client = () => (runtime ??= connectRuntime());
  const imageFor = async (spec: ServerSpec, major: number) =>
    (await usableImage(await client(), chooseImage(rules, major, spec.extensions), pull)).image;
  return {
    kind: 'docker',
    probe: () => probeDocker(client, rules, pull),
    start: async (spec: ServerSpec): Promise<StartedServer> => {
      const major = spec.major ?? (await newestMajor(await client(), rules, pull));
      return startDockerServer({ client: await client(), image: await imageFor(spec, major), major, spec });
    },
    startRestored: async (spec: RestoredServerSpec): Promise<RestoredServer> => {
      const major = spec.major ?? (await newestMajor(await client(), rules, pull));
      return startRestoredContainer({
        client: await client(),
        image: await imageFor(spec, major),
        major,
        spec,
        osUser: options.osUser,
      });
    },
    toolCommand: async (tool, minMajor, readPaths, access) => {
      const runtime = await client();
      return dockerToolCommand({
        client: runtime,
        rules,
        pull,
        majors: await availableMajors(runtime, rules, pull),
        tool,
        minMajor,
        readPaths,
        ...access,
      });
    },
    toolContainer: async (request) => startToolContainer({ client: await client(), rules, pull, request }),
  };
}

async function probeDocker(
  client: () => Promise<ContainerRuntimeClient>,
  rules: ImageRule[],
  pull: PullPolicy,
): Promise<ProbeResult> {
  let runtime: ContainerRuntimeClient;
  try {
    runtime = await client();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return {
      kind: 'docker',
      usable: false,
      reason: `no Docker engine answers (${why}); start one (dockerd, Docker Desktop) or set DOCKER_HOST`,
      majors: [],
    };
  }
  const info = runtime.info.containerRuntime;
  const where = `Docker ${info.serverVersion} (${info.operatingSystem}) at ${info.host}`;
  const majors = await availableMajors(runtime, rules, pull);
  if (majors.length === 0) {
    return {
      kind: 'docker',
      usable: false,
      reason: `${where} answers, but no PostgreSQL image is present and pulls are disabled; build one with scripts/build-images.sh or allow pulls`,
      majors,
    };
  }
  const images =
    pull === 'missing'
      ? 'images pulled when missing'
      : `images present: ${describePicks(await presentPicksWithExtensions(runtime, rules, majors))}`;
  return { kind: 'docker', usable: true, reason: `${where} answers; ${images}`, majors };
}

/** Majors a server can start on: any official one when pulls are allowed, else those whose plain image (or its fallback) is present. */
async function availableMajors(
  runtime: ContainerRuntimeClient,
  rules: ImageRule[],
  pull: PullPolicy,
): Promise<number[]> {
  const candidates = [
    ...new Set([...rules.flatMap((r) => (r.major === undefined ? [] : [r.major])), ...PULLABLE_MAJORS]),
  ].sort((a, b) => b - a);
  if (pull === 'missing') return candidates;
  return (await presentPicks(runtime, rules, candidates)).map((p) => p.major);
}

/** For each major, the image (or its fallback) present in the Docker engine for a server needing `extensions`. */
async function presentPicks(
  runtime: ContainerRuntimeClient,
  rules: ImageRule[],
  majors: number[],
  extensions: string[] = [],
): Promise<Array<PickedImage & { major: number }>> {
  const picks: Array<PickedImage & { major: number }> = [];
  for (const major of majors) {
    const choice = safeChoice(rules, major, extensions);
    if (!choice) continue;
    const pick = await resolveImage(runtime, choice, 'never');
    if (await imageExists(runtime, pick.image).catch(() => false)) picks.push({ ...pick, major });
  }
  return picks;
}

async function newestMajor(runtime: ContainerRuntimeClient, rules: ImageRule[], pull: PullPolicy): Promise<number> {
  return (await availableMajors(runtime, rules, pull))[0] ?? PULLABLE_MAJORS[0]!;
}

/** The plain images present, then those of the rules naming extensions (TimescaleDB), each listed once. */
async function presentPicksWithExtensions(
  runtime: ContainerRuntimeClient,
  rules: ImageRule[],
  majors: number[],
): Promise<PickedImage[]> {
  const picks: PickedImage[] = await presentPicks(runtime, rules, majors);
  const extensionSets = new Map(
    rules.filter((r) => r.extensions?.length).map((r) => [r.extensions!.join(','), r.extensions!]),
  );
  for (const extensions of extensionSets.values())
    picks.push(...(await presentPicks(runtime, rules, majors, extensions)));
  return picks.filter((p, i) => picks.findIndex((q) => q.image === p.image) === i);
}

function safeChoice(rules: ImageRule[], major: number, extensions: string[] = []): ImageChoice | undefined {
  try {
    return chooseImage(rules, major, extensions);
  } catch {
    return undefined;
  }
}

export { describeRule };
