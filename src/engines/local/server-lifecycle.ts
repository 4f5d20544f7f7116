import { readFile } from 'node:fs/promises';
import { addToOwnerRecord } from '../../lifecycle/owner-record.js';
import { startSupervisor } from '../../lifecycle/start-supervisor.js';
import { EngineError } from '../../errors.js';
import { registerCleanup } from '../../process/cleanup.js';
import { tailOf } from '../../process/run-command.js';
import type { PgInstallation } from './find-installations.js';
import type { OsUser } from './os-user.js';
import { removeServerFiles, type ServerFiles } from './server-files.js';
import { stopPostmaster } from './stop-postmaster.js';

export const LOG_LINES_ON_FAILURE = 20;

// One teardown for every path (stop, dispose, failed start, SIGINT through the cleanup registry); runs once.
// If pgdrill dies before it runs, the supervisor stops the server and removes its files instead.
export function createTeardown(
  installation: PgInstallation,
  files: ServerFiles,
  user: OsUser | undefined,
): () => Promise<void> {
  recordServer(files);
  const supervisor = startSupervisor({ dirs: files.owned });
  let done: Promise<void> | undefined;
  const teardown = (): Promise<void> =>
    (done ??= (async () => {
      try {
        await stopPostmaster({ binDir: installation.binDir, dataDir: files.dataDir, user });
      } finally {
        await removeServerFiles(files.owned);
        supervisor.release();
        unregister();
      }
    })());
  const unregister = registerCleanup(`local PostgreSQL ${installation.major} server in ${files.serverDir}`, teardown);
  return teardown;
}

// Owner records for the sweep at the next start: the server's own dir (which the drill's dir holds), and a
// socket dir outside it, which the sweep finds in TMPDIR on its own.
function recordServer(files: ServerFiles): void {
  const outside = files.owned.filter((path) => path !== files.serverDir);
  addToOwnerRecord(
    files.serverDir,
    { dataDirs: [files.dataDir], paths: outside },
    `PostgreSQL server in ${files.serverDir}`,
  );
  for (const path of outside) addToOwnerRecord(path, {}, `socket directory of ${files.dataDir}`);
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
