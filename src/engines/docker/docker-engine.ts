import type { ContainerRuntimeClient } from 'testcontainers';
import type { Engine, ProbeResult, RestoredServer, RestoredServerSpec, ServerSpec, StartedServer } from '../engine.js';
import { chooseImage, defaultImageRules, describeRule, PULLABLE_MAJORS, type ImageRule } from './docker-images.js';
import { connectRuntime, imageExists, requireImage, type PullPolicy } from './docker-runtime.js';
import { startDockerServer } from './start-docker-server.js';
import { startRestoredContainer } from './start-restored-container.js';

export interface DockerEngineOptions {
  /** Image rules tried before the defaults (official postgres and TimescaleDB images). */
  images?: ImageRule[];
  /** `missing`: let Docker pull an image that is not present · `never`: a missing image is an error. @default 'missing' */
  pull?: PullPolicy;
  /** The OS user restored servers run as when pgdrill runs as root (as for the local engine). @default postgres */
  osUser?: string;
  env?: Record<string, string | undefined>;
}

/** Servers in containers through testcontainers, on images matching production's major and extensions. */
export function createDockerEngine(options: DockerEngineOptions = {}): Engine & Required<Pick<Engine, 'startRestored'>> {
  const env = options.env ?? process.env;
  const rules = [...(options.images ?? []), ...defaultImageRules(env)];
  const pull: PullPolicy = options.pull ?? (env.PGDRILL_DOCKER_PULL === 'never' ? 'never' : 'missing');
  let runtime: Promise<ContainerRuntimeClient> | undefined;
  const client = () => (runtime ??= connectRuntime());
  const imageFor = async (spec: ServerSpec, major: number) => {
    const choice = chooseImage(rules, major, spec.extensions);
    await requireImage(await client(), choice.image, pull, `rule ${choice.rule}`);
    return choice.image;
  };
  return {
    kind: 'docker',
    probe: () => probeDocker(client, rules, pull),
    start: async (spec: ServerSpec): Promise<StartedServer> => {
      const major = spec.major ?? (await newestMajor(await client(), rules, pull));
      return startDockerServer({ client: await client(), image: await imageFor(spec, major), major, spec });
    },
    startRestored: async (spec: RestoredServerSpec): Promise<RestoredServer> => {
      const major = spec.major ?? (await newestMajor(await client(), rules, pull));
      return startRestoredContainer({ client: await client(), image: await imageFor(spec, major), major, spec, osUser: options.osUser });
    },
  };
}

async function probeDocker(client: () => Promise<ContainerRuntimeClient>, rules: ImageRule[], pull: PullPolicy): Promise<ProbeResult> {
  let runtime: ContainerRuntimeClient;
  try {
    runtime = await client();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { kind: 'docker', usable: false, reason: `no Docker engine answers (${why}); start one (dockerd, Docker Desktop) or set DOCKER_HOST`, majors: [] };
  }
  const info = runtime.info.containerRuntime;
  const where = `Docker ${info.serverVersion} (${info.operatingSystem}) at ${info.host}`;
  const majors = await availableMajors(runtime, rules, pull);
  if (majors.length === 0) {
    return { kind: 'docker', usable: false, reason: `${where} answers, but no PostgreSQL image is present and pulls are disabled; build one with scripts/build-images.sh or allow pulls`, majors };
  }
  const images = pull === 'missing' ? 'images pulled when missing' : `images present: ${majors.map((m) => chooseImage(rules, m).image).join(', ')}`;
  return { kind: 'docker', usable: true, reason: `${where} answers; ${images}`, majors };
}

/** Majors a server can start on: any official one when pulls are allowed, else those whose plain image is present. */
async function availableMajors(runtime: ContainerRuntimeClient, rules: ImageRule[], pull: PullPolicy): Promise<number[]> {
  const candidates = [...new Set([...rules.flatMap((r) => (r.major === undefined ? [] : [r.major])), ...PULLABLE_MAJORS])].sort((a, b) => b - a);
  if (pull === 'missing') return candidates;
  const present: number[] = [];
  for (const major of candidates) {
    const image = safeChoice(rules, major);
    if (image && (await imageExists(runtime, image).catch(() => false))) present.push(major);
  }
  return present;
}

async function newestMajor(runtime: ContainerRuntimeClient, rules: ImageRule[], pull: PullPolicy): Promise<number> {
  return (await availableMajors(runtime, rules, pull))[0] ?? PULLABLE_MAJORS[0]!;
}

function safeChoice(rules: ImageRule[], major: number): string | undefined {
  try {
    return chooseImage(rules, major).image;
  } catch {
    return undefined;
  }
}

export { describeRule };
