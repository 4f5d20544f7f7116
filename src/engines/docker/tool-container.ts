import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerRuntimeClient } from 'testcontainers';
import { currentOwner, formatOwner } from '../../lifecycle/owner-identity.js';
import { OWNER_LABEL } from '../../lifecycle/orphan-containers.js';
import { startSupervisor } from '../../lifecycle/start-supervisor.js';
import { registerCleanup } from '../../process/cleanup.js';
import { CommandError, EngineError } from '../../errors.js';
import { runCommand } from '../../process/run-command.js';
import { chooseImage, type ImageRule } from './docker-images.js';
import { ENGINE_LABEL, SERVER_LABEL, usableImage, WORKDIR_LABEL, type PullPolicy } from './docker-runtime.js';

export interface ToolContainerRequest {
  /** The image of exactly this major. */
  major: number;
  /** `host`: this machine's network (an S3 endpoint on loopback, the instance metadata service) · `none`. */
  network: 'host' | 'none';
  /** Mounted read-only at the same paths. */
  readPaths: string[];
  /** Mounted read-write at the same paths. */
  writePaths: string[];
  /** A private directory of pgdrill's user for the container's passwd and group files; also its workdir label. */
  dir: string;
  /** Another user commands may run as (`execArgsAs`), with supplementary groups (`--group-add`: the groups of what it reads). */
  execUser?: { uid: number; gid: number; groups: number[] };
}

/** A long-lived container of a major's image in which pgdrill runs that image's tools with `docker exec`. */
export interface ToolContainer extends AsyncDisposable {
  major: number;
  image: string;
  id: string;
  /** The docker CLI and the arguments that run a command in it, followed by the command. */
  file: 'docker';
  execArgs: string[];
  /** The same as `request.execUser`, when one was given. */
  execArgsAs?: string[];
  /** What the docker CLI needs from pgdrill's environment to reach the same engine (DOCKER_HOST, …). */
  cliEnv: Record<string, string>;
}

/**
 * Start the container: pgdrill's own uid (it reads what pgdrill reads; a passwd names it), `--init` so the
 * tools' detached workers are reaped, labelled like the engine's servers so that the supervisor, the sweep
 * and `pgdrill clean` find it, and removed when disposed.
 */
export async function startToolContainer(input: {
  client: ContainerRuntimeClient;
  rules: ImageRule[];
  pull: PullPolicy;
  request: ToolContainerRequest;
}): Promise<ToolContainer> {
  const { request } = input;
  const { image } = await usableImage(input.client, chooseImage(input.rules, request.major), input.pull);
  const user = await toolContainerUser(request.dir, request.execUser);
  const toolId = randomBytes(8).toString('hex');
  const mounts = [
    ...[...new Set(request.readPaths)].map((p) => `type=bind,source=${p},target=${p},readonly`),
    ...[...new Set(request.writePaths)].map((p) => `type=bind,source=${p},target=${p}`),
    ...user.mounts.map((m) => `type=bind,source=${m.source},target=${m.target},readonly`),
  ].flatMap((m) => ['--mount', m]);
  const cliEnv = dockerCliEnv(process.env);
  // Until `docker run` answers, the container is known only by its label.
  let id = '';
  const remove = async () => {
    const ids = id
      ? [id]
      : (
          await runCommand('docker', ['ps', '-aq', '--filter', `label=${SERVER_LABEL}=${toolId}`], {
            env: cliEnv,
          }).catch(() => ({ stdout: '' }))
        ).stdout
          .split('\n')
          .filter(Boolean);
    if (ids.length) await runCommand('docker', ['rm', '-f', '-v', ...ids], { env: cliEnv }).catch(() => undefined);
  };
  const supervisor = startSupervisor({ dirs: [], containers: [`${SERVER_LABEL}=${toolId}`] });
  const unregister = registerCleanup(`docker container of ${image} running tools`, () => remove());
  try {
    id = (
      await runCommand(
        'docker',
        [
          'run',
          '-d',
          '--rm',
          '--init',
          '--network',
          request.network,
          '--user',
          user.spec,
          // docker exec gives these to every command, whatever its --user (a group file in the container does not count).
          ...[...new Set(request.execUser?.groups ?? [])]
            .filter((g) => g !== 0)
            .flatMap((g) => ['--group-add', String(g)]),
          '--label',
          `${ENGINE_LABEL}=tool`,
          '--label',
          `${SERVER_LABEL}=${toolId}`,
          '--label',
          `${WORKDIR_LABEL}=${request.dir}`,
          '--label',
          `${OWNER_LABEL}=${formatOwner(currentOwner())}`,
          ...mounts,
          '--entrypoint',
          'sleep',
          image,
          'infinity',
        ],
        { env: cliEnv },
      )
    ).stdout.trim();
  } catch (error) {
    unregister();
    await remove();
    supervisor.release();
    throw new EngineError(
      'DOCKER_TOOL_CONTAINER_FAILED',
      `a container of ${image} for PostgreSQL ${request.major}'s tools did not start`,
      {
        cause: error,
        details: error instanceof CommandError ? error.stderrTail : [],
        hint: 'check that the Docker engine answers and can bind-mount the drill directory (docker run by hand)',
      },
    );
  }
  return {
    major: request.major,
    image,
    id,
    file: 'docker',
    execArgs: ['exec', '-i', id],
    execArgsAs: request.execUser
      ? ['exec', '-i', '-u', `${request.execUser.uid}:${request.execUser.gid}`, id]
      : undefined,
    cliEnv,
    [Symbol.asyncDispose]: async () => {
      unregister();
      await remove();
      supervisor.release();
    },
  };
}

function dockerCliEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_CONFIG', 'DOCKER_CERT_PATH', 'DOCKER_TLS_VERIFY'])
    if (env[key]) out[key] = env[key]!;
  return out;
}

/** passwd and group files naming pgdrill's uid (the container's) and the exec user. */
async function toolContainerUser(
  dir: string,
  execUser: ToolContainerRequest['execUser'],
): Promise<{ spec: string; mounts: Array<{ source: string; target: string }> }> {
  const uid = process.getuid!();
  const gid = process.getgid!();
  const passwd = ['root:x:0:0:root:/root:/bin/sh'];
  const group = ['root:x:0:'];
  if (uid !== 0) passwd.push(`pgdrill:x:${uid}:${gid}:pgdrill:/tmp:/bin/sh`);
  if (gid !== 0) group.push(`pgdrill:x:${gid}:`);
  if (execUser) {
    passwd.push(`pgdrill-tool:x:${execUser.uid}:${execUser.gid}:pgdrill tools:/tmp:/bin/sh`);
    group.push(`pgdrill-tool:x:${execUser.gid}:`);
  }
  await writeFile(join(dir, 'passwd'), `${passwd.join('\n')}\n`, { mode: 0o644 });
  await writeFile(join(dir, 'group'), `${group.join('\n')}\n`, { mode: 0o644 });
  return {
    spec: `${uid}:${gid}`,
    mounts: [
      { source: join(dir, 'passwd'), target: '/etc/passwd' },
      { source: join(dir, 'group'), target: '/etc/group' },
    ],
  };
}
