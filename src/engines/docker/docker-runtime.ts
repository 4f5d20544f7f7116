import { existsSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { getContainerRuntimeClient, ImageName, type ContainerRuntimeClient } from 'testcontainers';
import { EngineError } from '../../errors.js';
import { pickImage, type ImageChoice, type PickedImage } from './docker-images.js';

/** Label on every container pgdrill starts: what `pgdrill doctor` and the tests look for, and what cleanup removes. */
export const ENGINE_LABEL = 'org.pgdrill.engine';
/** Per-server label (a random id), so a container whose start was interrupted can still be found and removed. */
export const SERVER_LABEL = 'org.pgdrill.server';
/** The drill directory a container serves: which drill a container belongs to, for people and tests. */
export const WORKDIR_LABEL = 'org.pgdrill.workdir';

export type PullPolicy = 'never' | 'missing';

// testcontainers' reaper image cannot be pulled where there is no registry, and pgdrill removes its own
// containers on every path (the cleanup registry covers Ctrl-C): the reaper is never needed.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
// Published ports are bound to 127.0.0.1 only (loopback-containers.ts), so that is where the daemon's
// containers are reached: without this, testcontainers may pick the Docker bridge's gateway when it
// believes it runs inside a container, and never sees the port open.
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';

const PROBE_TIMEOUT_MS = 10_000;

/** The Docker engine, or why it does not answer (within a few seconds: `auto` must not hang on a dead socket). */
export async function connectRuntime(): Promise<ContainerRuntimeClient> {
  removeLockFileAtExit();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([getContainerRuntimeClient(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function imageExists(client: ContainerRuntimeClient, image: string): Promise<boolean> {
  return client.image.exists(ImageName.fromString(image));
}

/** The image of `choice` to run: its own, or its fallback when that is absent, pulls are disabled and the fallback is present. */
export async function resolveImage(
  client: ContainerRuntimeClient,
  choice: ImageChoice,
  pull: PullPolicy,
): Promise<PickedImage> {
  const present = new Set<string>();
  for (const image of [choice.image, ...(choice.fallback ? [choice.fallback] : [])]) {
    if (await imageExists(client, image).catch(() => false)) present.add(image);
    if (present.has(choice.image)) break;
  }
  return pickImage(choice, present, pull);
}

/**
 * The image of a choice to start, present or pulled now: the rule's own image first, its fallback (pgdrill's own
 * build) when that is absent and pulls are disabled; an error naming both when neither can run.
 */
export async function usableImage(
  runtime: ContainerRuntimeClient,
  choice: ImageChoice,
  pull: PullPolicy,
): Promise<PickedImage> {
  const pick = await resolveImage(runtime, choice, pull);
  const why =
    pick.insteadOf || !choice.fallback || pull === 'missing'
      ? `rule ${choice.rule}`
      : `rule ${choice.rule}; its fallback ${choice.fallback} is not present either`;
  await requireImage(runtime, pick.image, pull, why);
  return pick;
}

/**
 * A missing image is pulled here when pulls are allowed (so a failed pull says so), and is an error naming it
 * when they are not, before testcontainers would try to pull it.
 */
export async function requireImage(
  client: ContainerRuntimeClient,
  image: string,
  pull: PullPolicy,
  why: string,
): Promise<void> {
  if (await imageExists(client, image)) return;
  if (pull === 'missing') {
    try {
      await client.image.pull(ImageName.fromString(image));
      return;
    } catch (error) {
      throw new EngineError(
        'DOCKER_PULL_FAILED',
        `the image ${image} (${why}) is not present and pulling it failed: ${error instanceof Error ? error.message.trim() : String(error)}`,
        {
          hint: "check the image name and the registry (docker login, a mirror), load the image by hand, or build pgdrill's own images from Debian packages with scripts/build-images.sh",
        },
      );
    }
  }
  throw new EngineError(
    'DOCKER_IMAGE_MISSING',
    `the image ${image} (${why}) is not present in the Docker engine and pulls are disabled (engine.docker.pull: never)`,
    {
      hint:
        `load it (docker pull ${image} where a registry is reachable, or docker load), build pgdrill's own images from Debian packages with ` +
        `scripts/build-images.sh, point engine.docker.images at an image that is present, or allow pulls with engine.docker.pull: missing`,
    },
  );
}

// testcontainers takes a file lock in TMPDIR once per process and leaves the empty file behind; pgdrill
// leaves nothing in TMPDIR, so the file goes at exit unless it was there before (another process's).
let lockCleanupArmed = false;
function removeLockFileAtExit(): void {
  if (lockCleanupArmed) return;
  lockCleanupArmed = true;
  const lock = join(tmpdir(), `testcontainers-node-${userInfo().uid}.lock`);
  if (existsSync(lock)) return;
  process.on('exit', () => rmSync(lock, { force: true }));
}

/** Remove every container carrying `label=value` (and its anonymous volumes); returns how many were removed. */
export async function removeLabelled(client: ContainerRuntimeClient, label: string, value: string): Promise<number> {
  const docker = client.container.dockerode;
  const found = await docker.listContainers({ all: true, filters: { label: [`${label}=${value}`] } });
  for (const info of found)
    await docker
      .getContainer(info.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  return found.length;
}
