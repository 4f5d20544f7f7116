import { chown, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RestoreTarget } from '../../engines/engine.js';
import { CommandError, EngineError, SourceError } from '../../errors.js';
import { runCommand } from '../../process/run-command.js';
import type { BackupDir } from './backup-dir.js';

/** How to run pg_combinebackup of one major: a host binary, or `docker run … <image> pg_combinebackup`. */
export interface CombineCommand {
  file: string;
  args: string[];
  /** e.g. `pg_combinebackup 17 in pgdrill/postgres:17`, for messages. */
  where: string;
  /** Run the command itself as this user (a host binary writing the server user's files); a container runs as it by its own option. */
  uid?: number;
  gid?: number;
}

/** Resolved by the drill (it knows the engine): pg_combinebackup of `major` that reads `inputs` and writes `output` as `runAs`. */
export type CombineTool = (request: {
  major: number;
  inputs: string[];
  output: string;
  runAs?: { uid: number; gid: number };
}) => Promise<CombineCommand>;

export interface RestoreChainInput {
  /** Full backup first, then each incremental in the order it was taken. */
  chain: BackupDir[];
  major: number;
  target: RestoreTarget;
  tool: CombineTool | undefined;
  /** Put one backup's files (tar extracted, plain copied, backup_manifest beside them) into `into`. */
  extract(backup: BackupDir, into: string): Promise<void>;
  signal?: AbortSignal;
}

/**
 * pg_combinebackup reads plain directories only: each backup of the chain is extracted under the server's
 * scratch dir, combined into the (empty) data directory, and the extracted copies are removed before replay.
 */
export async function restoreChain(input: RestoreChainInput): Promise<void> {
  const { target, chain, major } = input;
  if (!input.tool)
    throw new EngineError(
      'PG_COMBINEBACKUP_NOT_FOUND',
      `combining ${chain.map((b) => b.dir).join(' ← ')} needs pg_combinebackup ${major}, and none was resolved`,
      { hint: 'run the drill through pgdrill run (its engine provides pg_combinebackup)' },
    );
  const root = join(target.scratchDir, 'incremental-chain');
  const owned = async (dir: string) => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (target.runAs) await chown(dir, target.runAs.uid, target.runAs.gid);
  };
  try {
    await owned(root);
    const inputs: string[] = [];
    for (const [i, backup] of chain.entries()) {
      const into = join(root, String(i));
      await owned(into);
      await input.extract(backup, into);
      inputs.push(into);
    }
    // Plain copies and backup_manifest are written by pgdrill's own user; the tool reads them as the server's.
    if (target.runAs)
      await runCommand('chown', ['-R', `${target.runAs.uid}:${target.runAs.gid}`, root], {
        errorCode: 'CHOWN_FAILED',
        signal: input.signal,
      });
    const command = await input.tool({ major, inputs, output: target.dataDir, runAs: target.runAs });
    await combine(command, inputs, input);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function combine(command: CombineCommand, inputs: string[], input: RestoreChainInput): Promise<void> {
  const names = input.chain.map((b) => b.dir).join(' ← ');
  try {
    // --no-sync: the combined directory is a throwaway; recovery reads it through the page cache.
    await runCommand(command.file, [...command.args, '--no-sync', '-o', input.target.dataDir, ...inputs], {
      uid: command.uid,
      gid: command.gid,
      signal: input.signal,
      errorCode: 'COMBINE_FAILED',
      tailLines: 20,
    });
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    // docker run's own failures (125: the daemon, 126/127: the entry point) are the world's, not the backup's.
    if (command.file === 'docker' && error.exitCode !== undefined && error.exitCode >= 125)
      throw new EngineError('COMBINE_TOOL_FAILED', `${command.where} could not be started (exit ${error.exitCode})`, {
        cause: error,
        details: error.stderrTail,
        hint: 'check the Docker engine and that the image has pg_combinebackup on its PATH (pgdrill doctor)',
      });
    throw new SourceError(
      'COMBINE_FAILED',
      `${command.where} could not combine ${names}: ${error.stderrTail.at(-1) ?? `exit ${error.exitCode}`}`,
      {
        cause: error,
        details: error.stderrTail,
        hint: 'pg_combinebackup checked the chain and found it unusable (its message is above): a damaged or missing backup, or backups of another cluster; take a new full backup',
      },
    );
  }
}
