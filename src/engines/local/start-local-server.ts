import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CommandError, EngineError, isDrillError } from '../../errors.js';
import { registerCleanup } from '../../process/cleanup.js';
import { tailOf } from '../../process/run-command.js';
import type { ServerSpec } from '../engine.js';
import { confirmConnection } from './confirm-connection.js';
import type { PgInstallation } from './find-installations.js';
import { initCluster } from './init-cluster.js';
import type { OsUser } from './os-user.js';
import { SERVER_ROLE } from './server-config.js';
import { createServerFiles, removeServerFiles, type ServerFiles } from './server-files.js';
import { StartedLocalServer } from './started-local-server.js';
import { startPostmaster } from './start-postmaster.js';
import { stopPostmaster } from './stop-postmaster.js';

export const DEFAULT_START_TIMEOUT_MS = 60_000;
const LOG_LINES_ON_FAILURE = 20;

interface Boot {
  installation: PgInstallation;
  files: ServerFiles;
  user: OsUser | undefined;
  spec: ServerSpec;
  startedAt: number;
  /** What start() was doing when it failed, for the error message. */
  phase: { name: 'initdb' | 'start'; since: number; port?: number };
}

/** Create, initdb and start a server for `installation` under spec.workDir; on any failure remove all of it. */
export async function startLocalServer(installation: PgInstallation, user: OsUser | undefined, spec: ServerSpec): Promise<StartedLocalServer> {
  const startedAt = Date.now();
  if (spec.signal?.aborted) throw abortError(installation, startedAt, spec.signal);
  const files = await createServerFiles(spec.workDir, user);
  const teardown = createTeardown(installation, files, user);
  const boot: Boot = { installation, files, user, spec, startedAt, phase: { name: 'initdb', since: startedAt } };
  try {
    return await bootServer(boot, teardown);
  } catch (error) {
    const failure = await describeFailure(boot, error);
    await teardown();
    throw failure;
  }
}

async function bootServer(boot: Boot, teardown: () => Promise<void>): Promise<StartedLocalServer> {
  const { installation, files, user, spec } = boot;
  const password = randomBytes(24).toString('base64url');
  const baseConf = await initCluster({ binDir: installation.binDir, files, user, password, signal: spec.signal });
  const timeoutMs = spec.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  boot.phase = { name: 'start', since: Date.now() };
  const started = await startPostmaster({ binDir: installation.binDir, files, user, baseConf, settings: spec.settings, timeoutMs, signal: spec.signal });
  boot.phase.port = started.port;
  if (!started.ok) throw started.cause;
  const pgCtlDoneAt = Date.now();
  const connection = { host: '127.0.0.1', port: started.port, user: SERVER_ROLE, password, database: 'postgres' };
  const version = await confirmConnection({ connection, deadline: boot.phase.since + timeoutMs, signal: spec.signal });
  if (spec.signal?.aborted) throw spec.signal.reason;
  const now = Date.now();
  const timings = {
    initdbMs: boot.phase.since - boot.startedAt,
    pgCtlStartMs: pgCtlDoneAt - boot.phase.since,
    firstQueryMs: now - pgCtlDoneAt,
    totalMs: now - boot.startedAt,
  };
  const { major, binDir } = installation;
  return new StartedLocalServer({ major, version, binDir, dataDir: files.dataDir, logPath: files.logPath, connection, timings, teardown });
}

// One teardown for every path (stop, dispose, failed start, SIGINT through the cleanup registry); runs once.
function createTeardown(installation: PgInstallation, files: ServerFiles, user: OsUser | undefined): () => Promise<void> {
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

async function describeFailure(boot: Boot, error: unknown): Promise<Error> {
  const { installation, phase, spec } = boot;
  const elapsed = Date.now() - phase.since;
  if (spec.signal?.aborted) return abortError(installation, boot.startedAt, spec.signal);
  if (isDrillError(error) && !(error instanceof CommandError)) return error;
  const why = error instanceof Error ? error.message : String(error);
  if (phase.name === 'initdb') {
    return new EngineError('SERVER_START_FAILED', `initdb of PostgreSQL ${installation.major} failed after ${elapsed} ms (engine=local): ${why}`, {
      cause: error,
      details: error instanceof CommandError ? error.stderrTail : [],
      hint: `the lines below are initdb's output; check that ${boot.files.serverDir} is on a writable file system with free space`,
    });
  }
  const log = await readFile(boot.files.logPath, 'utf8').catch(() => '');
  return new EngineError(
    'SERVER_START_FAILED',
    `PostgreSQL ${installation.major} did not accept connections after ${elapsed} ms (engine=local, port=${phase.port ?? 'none'}): ${why}`,
    {
      cause: error,
      details: tailOf(log, LOG_LINES_ON_FAILURE),
      hint:
        `see the server log at ${boot.files.logPath} (its last ${LOG_LINES_ON_FAILURE} lines are below; the file is removed with the server): ` +
        'a FATAL line names the cause (a bad setting, a missing shared_preload_libraries library); if it was still starting, raise startTimeoutMs',
    },
  );
}

function abortError(installation: PgInstallation, startedAt: number, signal: AbortSignal): EngineError {
  return new EngineError(
    'SERVER_START_ABORTED',
    `start of PostgreSQL ${installation.major} (engine=local) was aborted after ${Date.now() - startedAt} ms; the server and its files were removed`,
    { cause: signal.reason },
  );
}
