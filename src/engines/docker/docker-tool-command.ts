import type { ContainerRuntimeClient } from 'testcontainers';
import { EngineError } from '../../errors.js';
import type { ClientTool } from '../engine.js';
import { chooseImage, type ImageRule } from './docker-images.js';
import { ENGINE_LABEL, usableImage, type PullPolicy } from './docker-runtime.js';

/** A command line prefix running a client tool: `docker run … <image> <tool>`, followed by the tool's own arguments. */
export interface DockerToolCommand {
  file: 'docker';
  args: string[];
  major: number;
  image: string;
  where: string;
}

export interface DockerToolOptions {
  client: ContainerRuntimeClient;
  rules: ImageRule[];
  pull: PullPolicy;
  /** Majors whose image is present (or may be pulled), newest first. */
  majors: number[];
  tool: ClientTool | 'pg_combinebackup';
  /** The tool must be of this major or newer (e.g. the pg_dump that wrote an archive). */
  minMajor: number;
  /** Files and directories the tool reads: mounted read-only at the same paths. */
  readPaths: string[];
  /** Directories the tool writes (pg_combinebackup's output): mounted read-write at the same paths. */
  writePaths?: string[];
  /** Run as this uid:gid (the owner of the files it writes) instead of this process's. */
  user?: { uid: number; gid: number };
}

/**
 * A client tool of a major this machine lacks, run in a throwaway container of that major's image before any
 * server exists (reading an archive's table of contents): no network, this process's uid (it reads what pgdrill
 * can), removed when it exits. The exact major when an image serves it, else the nearest newer one.
 */
export async function dockerToolCommand(options: DockerToolOptions): Promise<DockerToolCommand> {
  const { minMajor } = options;
  const major = options.majors.includes(minMajor)
    ? minMajor
    : options.majors.filter((m) => m > minMajor).sort((a, b) => a - b)[0];
  if (major === undefined) {
    const image = (() => {
      try {
        return chooseImage(options.rules, minMajor).image;
      } catch {
        return `postgres:${minMajor}`;
      }
    })();
    throw new EngineError(
      'POSTGRES_MAJOR_NOT_INSTALLED',
      `${options.tool} ${minMajor} or newer is needed; neither this machine nor the Docker engine has it (images present for ${options.majors.length ? options.majors.join(', ') : 'no major'})`,
      {
        hint: `provide the image ${image} (docker load, docker pull where a registry is reachable, or build pgdrill/postgres:${minMajor} with scripts/build-images.sh --majors=${minMajor}: the default rule runs it when postgres:${minMajor} is absent and pulls are disabled), or install postgresql-client-${minMajor} on this machine`,
      },
    );
  }
  const { image } = await usableImage(options.client, chooseImage(options.rules, major), options.pull);
  const mounts = [...new Set(options.readPaths)].flatMap((path) => [
    '--mount',
    `type=bind,source=${path},target=${path},readonly`,
  ]);
  for (const path of new Set(options.writePaths ?? []))
    mounts.push('--mount', `type=bind,source=${path},target=${path}`);
  const user = options.user ?? { uid: process.getuid!(), gid: process.getgid!() };
  return {
    file: 'docker',
    args: [
      'run',
      '--rm',
      '-i',
      '--network',
      'none',
      '--user',
      `${user.uid}:${user.gid}`,
      '--label',
      `${ENGINE_LABEL}=tool`,
      ...mounts,
      '--entrypoint',
      options.tool,
      image,
    ],
    major,
    image,
    where: `${options.tool} ${major} in ${image}`,
  };
}
