import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import { EngineError } from '../../errors.js';
import { registerCleanup } from '../../process/cleanup.js';
import { formatOwner, currentOwner } from '../../lifecycle/owner-identity.js';
import { OWNER_LABEL } from '../../lifecycle/orphan-containers.js';
import { startSupervisor } from '../../lifecycle/start-supervisor.js';
import { addToOwnerRecord } from '../../lifecycle/owner-record.js';
import type { ServerSpec } from '../engine.js';
import { confirmConnection } from '../local/confirm-connection.js';
import { SERVER_ROLE } from '../local/server-config.js';
import { ENGINE_LABEL, removeLabelled, SERVER_LABEL, WORKDIR_LABEL } from './docker-runtime.js';
import type { ContainerRuntimeClient } from 'testcontainers';
import { settingsArgs } from './docker-settings.js';
import { LoopbackPostgreSqlContainer } from './loopback-containers.js';
import { CONTAINER_PORT, StartedDockerServer } from './started-docker-server.js';

export const DEFAULT_DOCKER_START_TIMEOUT_MS = 120_000;

export interface DockerServerInput {
  client: ContainerRuntimeClient;
  image: string;
  major: number;
  spec: ServerSpec;
}

/**
 * An empty server for logical restores, through @testcontainers/postgresql: a random password, the port on
 * 127.0.0.1, the drill's directory mounted read-only at the same path (pg_restore inside reads archives
 * there), the log copied to a file. On any failure, and on Ctrl-C, the container and its volumes go.
 */
export async function startDockerServer(input: DockerServerInput): Promise<StartedDockerServer> {
  const { spec } = input;
  const serverId = randomBytes(8).toString('hex');
  const serverDir = join(spec.workDir, `docker-pg-${serverId}`);
  await mkdir(serverDir, { mode: 0o700 });
  const logPath = join(serverDir, 'server.log');
  const password = randomBytes(24).toString('base64url');
  let container: StartedPostgreSqlContainer | undefined;
  // If pgdrill dies (SIGKILL), this removes the container by its label, and the server's directory.
  const supervisor = startSupervisor({ dirs: [serverDir], containers: [`${SERVER_LABEL}=${serverId}`] });
  addToOwnerRecord(serverDir, { containers: [`${SERVER_LABEL}=${serverId}`] }, `PostgreSQL container ${input.image}`);
  // The label finds the container even when Ctrl-C lands while testcontainers is still creating it.
  const teardown = once(async () => {
    unregister();
    await container?.stop({ remove: true, removeVolumes: true, timeout: 5_000 }).catch(() => undefined);
    await removeLabelled(input.client, SERVER_LABEL, serverId).catch(() => undefined);
    await rm(serverDir, { recursive: true, force: true });
    supervisor.release();
  });
  const unregister = registerCleanup(`docker container of PostgreSQL ${input.major} (${input.image})`, teardown);
  const startedAt = Date.now();
  try {
    container = await new LoopbackPostgreSqlContainer(input.image)
      .withUsername(SERVER_ROLE)
      .withPassword(password)
      .withDatabase('postgres')
      .withCommand(['postgres', ...settingsArgs(spec.settings)])
      .withLabels({
        [ENGINE_LABEL]: 'docker',
        [SERVER_LABEL]: serverId,
        [WORKDIR_LABEL]: spec.workDir,
        [OWNER_LABEL]: formatOwner(currentOwner()),
      })
      .withBindMounts(
        [spec.workDir, ...(spec.readPaths ?? [])].map((path) => ({ source: path, target: path, mode: 'ro' as const })),
      )
      // Readiness without a password in the container's config: pg_isready needs none.
      .withHealthCheck({
        test: ['CMD-SHELL', `pg_isready -q -h 127.0.0.1 -p ${CONTAINER_PORT}`],
        interval: 250,
        timeout: 2_000,
        retries: 1_000,
      })
      .withStartupTimeout(spec.startTimeoutMs ?? DEFAULT_DOCKER_START_TIMEOUT_MS)
      .start();
    spec.signal?.throwIfAborted();
    (await container.logs()).pipe(createWriteStream(logPath, { mode: 0o600 }));
    const connection = {
      host: '127.0.0.1',
      port: container.getPort(),
      user: SERVER_ROLE,
      password,
      database: 'postgres',
    };
    const version = await confirmConnection({ connection, deadline: Date.now() + 30_000, signal: spec.signal });
    return new StartedDockerServer({
      major: input.major,
      version,
      image: input.image,
      containerId: container.getId(),
      connection,
      logPath,
      teardown,
    });
  } catch (error) {
    await teardown();
    if (spec.signal?.aborted)
      throw new EngineError(
        'SERVER_START_ABORTED',
        `start of ${input.image} was aborted after ${Date.now() - startedAt} ms; the container was removed`,
        { cause: spec.signal.reason },
      );
    throw new EngineError(
      'SERVER_START_FAILED',
      `PostgreSQL ${input.major} in ${input.image} did not start after ${Date.now() - startedAt} ms (engine=docker): ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
        hint: 'docker logs of a failed container are gone with it: run the image by hand (docker run -e POSTGRES_PASSWORD=x <image>) to see why, or check that it is a PostgreSQL image with the official entry point',
      },
    );
  }
}

export function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
