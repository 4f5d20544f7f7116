import { readFile } from 'node:fs/promises';
import { EngineError } from '../../errors.js';
import { registerCleanup } from '../../process/cleanup.js';
import { tailOf } from '../../process/run-command.js';
import type { PgInstallation } from './find-installations.js';
import type { OsUser } from './os-user.js';
import { removeServerFiles, type ServerFiles } from './server-files.js';
import { stopPostmaster } from './stop-postmaster.js';

export const LOG_LINES_ON_FAILURE = 20;

// One teardown for every path (stop, dispose, failed start, SIGINT through the cleanup registry); runs once.
export function createTeardown(installation: PgInstallation, files: ServerFiles, user: OsUser | undefined): () => Promise<void> {
  let done: Promise<void> | undefined;
  const teardown = (): Promise<void> =>
    (done ??= (async () => {
      try {
        await stopPostmaster({ binDir: installation.binDir, dataDir: files.dataDir, user });
      } finally {
        await removeServerFiles(files.owned);
        unregister();
      }
    })());
  const unregister = registerCleanup(`local PostgreSQL ${installation.major} server in ${files.serverDir}`, teardown);
  return teardown;
}

export function abortError(installation: PgInstallation, startedAt: number, signal: AbortSignal): EngineError {
  return new EngineError(
    'SERVER_START_ABORTED',
    `start of PostgreSQL ${installation.major} (engine=local) was aborted after ${Date.now() - startedAt} ms; the server and its files were removed`,
    { cause: signal.reason },
  );
}

export interface PostmasterFailureInput {
  /** The sentence before the cause, e.g. "PostgreSQL 15 did not accept connections after 812 ms (engine=local, port=5433)". */
  what: string;
  error: unknown;
  logPath: string;
}

/** A server that failed once it had a log: the message, the log's tail below it, and where the whole log is. */
export async function postmasterFailure(input: PostmasterFailureInput): Promise<EngineError> {
  const why = input.error instanceof Error ? input.error.message : String(input.error);
  const log = await readFile(input.logPath, 'utf8').catch(() => '');
  return new EngineError('SERVER_START_FAILED', `${input.what}: ${why}`, {
    cause: input.error,
    details: tailOf(log, LOG_LINES_ON_FAILURE),
    hint:
      `see the server log at ${input.logPath} (its last ${LOG_LINES_ON_FAILURE} lines are below; the file is removed with the server): ` +
      'a FATAL line names the cause (a bad setting, a missing shared_preload_libraries library); if it was still starting, raise startTimeoutMs',
  });
}
