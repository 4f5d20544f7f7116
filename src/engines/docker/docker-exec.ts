import type { CommandResult, RunCommandOptions } from '../../process/run-command.js';
import { runCommand } from '../../process/run-command.js';

export interface DockerExecInput {
  containerId: string;
  command: string;
  args: readonly string[];
  /** Environment of the command inside the container; values travel through the docker CLI's own environment, never its argv. */
  env: Record<string, string>;
  /** `uid[:gid]` inside the container. @default the container's user */
  user?: string;
  options?: RunCommandOptions;
}

/**
 * Run a command inside a container with stdin, stdout and the exit code passed through (`docker exec -i`),
 * so pg_restore and psql of the server's own major stream an archive exactly as they do on the local engine.
 */
export function dockerExec(input: DockerExecInput): Promise<CommandResult> {
  const names = Object.keys(input.env);
  const args = [
    'exec',
    '-i',
    ...(input.user ? ['-u', input.user] : []),
    '-w',
    '/',
    ...names.flatMap((n) => ['-e', n]),
    input.containerId,
    input.command,
    ...input.args,
  ];
  const options = input.options ?? {};
  return runCommand('docker', args, { ...options, env: { ...options.env, ...input.env } });
}
