import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CommandError, EngineError, isDrillError } from '../../errors.js';
import type { RecoveryOutcome, RestoredServerSpec } from '../engine.js';
import { admitDrillRole } from './admit-drill-role.js';
import { confirmConnection } from './confirm-connection.js';
import { raiseToControlData, readControlData } from './controldata.js';
import type { PgInstallation } from './find-installations.js';
import type { OsUser } from './os-user.js';
import { prepareRestoredDataDir } from './prepare-restored-datadir.js';
import { RestoredLocalServer, type RestoredServerTimings } from './restored-local-server.js';
import {
  assertRestoredSettingsAllowed,
  renderRecoveryHbaConf,
  renderRestoredServerConf,
} from './restored-server-config.js';
import { guardRestoreCommand } from '../server-environment.js';
import { SERVER_ROLE } from './server-config.js';
import { createRestoredServerFiles, writePrivateFile, type RestoredServerFiles } from './server-files.js';
import { abortError, createTeardown, postmasterFailure } from './server-lifecycle.js';
import { DEFAULT_START_TIMEOUT_MS } from './start-local-server.js';
import { startPostmaster } from './start-postmaster.js';
import { isRunning, readPostmasterPid, stopPostmaster } from './stop-postmaster.js';
import { waitForRecovery, type RecoveryWait } from './wait-for-recovery.js';

export const DEFAULT_RECOVERY_TIMEOUT_MS = 2 * 60 * 60 * 1000;
export const DEFAULT_SUPERUSERS: readonly string[] = ['postgres', SERVER_ROLE];

type PhaseName = 'restore' | 'prepare' | 'start' | 'recovery' | 'open';

interface Run {
  installation: PgInstallation;
  files: RestoredServerFiles;
  user: OsUser | undefined;
  spec: RestoredServerSpec;
  /** When each phase began (Date.now() scale); the current phase is the last one set. */
  began: Partial<Record<PhaseName, number>> & { restore: number };
  phase: PhaseName;
  port?: number;
}

/** Fill a fresh data dir with spec.restore, recover it to its end, admit only the drill; on any failure remove all of it. */
export async function startRestoredServer(
  installation: PgInstallation,
  user: OsUser | undefined,
  spec: RestoredServerSpec,
): Promise<RestoredLocalServer> {
  const startedAt = Date.now();
  if (spec.signal?.aborted) throw abortError(installation, startedAt, spec.signal);
  const files = await createRestoredServerFiles(spec.workDir, user);
  const teardown = createTeardown(installation, files, user);
  const run: Run = { installation, files, user, spec, began: { restore: startedAt }, phase: 'restore' };
  try {
    return await restoreAndRecover(run, teardown);
  } catch (error) {
    const failure = await describeFailure(run, error);
    await teardown();
    throw failure;
  }
}

async function restoreAndRecover(run: Run, teardown: () => Promise<void>): Promise<RestoredLocalServer> {
  const { installation, files, user, spec } = run;
  await spec.restore({ dataDir: files.dataDir, scratchDir: files.scratchDir, runAs: user ? { ...user } : undefined });
  spec.signal?.throwIfAborted();
  enter(run, 'prepare');
  assertRestoredSettingsAllowed(spec.settings, spec.recovery); // again: restore() may have added recovery settings
  const major = await prepareRestoredDataDir({ installation, dataDir: files.dataDir, user });
  const settings = raiseToControlData(
    spec.settings ?? {},
    await readControlData({ binDir: installation.binDir, dataDir: files.dataDir, user }),
  );
  await writePrivateFile(files.hbaPath, renderRecoveryHbaConf(), user);
  await writePrivateFile(files.identPath, '', user);
  // What restore_command needs reaches it through a private file, never the postmaster's environment.
  const recoverySettings = { ...spec.recovery };
  if (recoverySettings.restore_command)
    recoverySettings.restore_command = await guardRestoreCommand({
      command: recoverySettings.restore_command,
      env: spec.serverEnv,
      scratchDir: files.scratchDir,
      runAs: user,
    });
  const postmasterAt = enter(run, 'start');
  const { socketDir, dataDir, hbaPath, identPath } = files;
  const renderConfig = (port: number): string =>
    renderRestoredServerConf({ port, socketDir, dataDir, hbaPath, identPath, recovery: recoverySettings, settings });
  const recoveryTimeoutMs = spec.recoveryTimeoutMs ?? DEFAULT_RECOVERY_TIMEOUT_MS;
  // pg_ctl -w waits for hot standby, i.e. replay up to consistency: the recovery deadline bounds it too.
  const timeoutMs = Math.min(spec.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, recoveryTimeoutMs);
  const started = await startPostmaster({
    binDir: installation.binDir,
    files,
    user,
    renderConfig,
    configFile: files.configPath,
    timeoutMs,
    signal: spec.signal,
  });
  run.port = started.port;
  // pg_ctl gives up at its timeout while replay to consistency may go on; only a postmaster that never got as far as listening is a failed start.
  if (!started.ok && !(await isPostmasterAlive(dataDir)) && !(await hasListened(files.logPath))) throw started.cause;
  enter(run, 'recovery');
  const socket = { socketDir, port: started.port };
  const deadline = postmasterAt + recoveryTimeoutMs;
  const wait = await waitForRecovery({
    socket,
    dataDir,
    superusers: spec.superusers ?? DEFAULT_SUPERUSERS,
    deadline,
    signal: spec.signal,
  });
  const durationMs = Date.now() - postmasterAt;
  if (wait.ended !== 'promoted') await stopPostmaster({ binDir: installation.binDir, dataDir, user });
  const recovery: RecoveryOutcome = {
    ended: wait.ended,
    durationMs,
    log: await readFile(files.logPath, 'utf8'),
    major,
  };
  const openAt = enter(run, 'open');
  const password = randomBytes(24).toString('base64url');
  const connection = {
    host: '127.0.0.1',
    port: started.port,
    user: SERVER_ROLE,
    password,
    database: wait.ended === 'promoted' ? wait.login.database : 'postgres',
  };
  const version = await openForDrill(run, wait, socket, connection);
  const now = Date.now();
  const timings: RestoredServerTimings = {
    restoreMs: run.began.prepare! - run.began.restore,
    prepareMs: postmasterAt - run.began.prepare!,
    recoveryMs: durationMs,
    openMs: wait.ended === 'promoted' ? now - openAt : 0,
    totalMs: now - run.began.restore,
  };
  return new RestoredLocalServer({
    major,
    version,
    binDir: installation.binDir,
    dataDir,
    logPath: files.logPath,
    connection,
    timings,
    teardown,
    recovery,
  });
}

/** After promotion: the drill's role and the scram-only pg_hba.conf, proven by a password login over TCP. Returns server_version. */
async function openForDrill(
  run: Run,
  wait: RecoveryWait,
  socket: { socketDir: string; port: number },
  connection: RestoredLocalServer['connection'],
): Promise<string> {
  if (wait.ended !== 'promoted') return run.installation.version;
  await admitDrillRole({
    socket,
    login: wait.login,
    password: connection.password,
    hbaPath: run.files.hbaPath,
    user: run.user,
  });
  // Until the postmaster has reloaded pg_hba.conf, TCP logins are still rejected (28000).
  const version = await confirmConnection({
    connection,
    deadline: Date.now() + 30_000,
    signal: run.spec.signal,
    alsoTransient: ['28000'],
  });
  run.spec.signal?.throwIfAborted();
  return version;
}

function enter(run: Run, phase: PhaseName): number {
  run.phase = phase;
  return (run.began[phase] = Date.now());
}

async function isPostmasterAlive(dataDir: string): Promise<boolean> {
  const pid = await readPostmasterPid(dataDir);
  return pid !== undefined && isRunning(pid);
}

// Recovery starts after the postmaster listens: a postmaster that exited before that had a bad setting, not a bad backup.
async function hasListened(logPath: string): Promise<boolean> {
  return /listening on IPv4 address/.test(await readFile(logPath, 'utf8').catch(() => ''));
}

// restore()'s own errors and the engine's DrillErrors pass unchanged; tool and server failures get the log.
async function describeFailure(run: Run, error: unknown): Promise<unknown> {
  const { installation, spec, files, phase } = run;
  if (spec.signal?.aborted) return abortError(installation, run.began.restore, spec.signal);
  if (phase === 'restore' || (isDrillError(error) && !(error instanceof CommandError))) return error;
  const elapsed = Date.now() - run.began[phase]!;
  if (phase === 'prepare') {
    const why = error instanceof Error ? error.message : String(error);
    return new EngineError(
      'SERVER_START_FAILED',
      `preparing the restored data directory ${files.dataDir} for PostgreSQL ${installation.major} failed after ${elapsed} ms (engine=local): ${why}`,
      {
        cause: error,
        details: error instanceof CommandError ? error.stderrTail : [],
        hint: "the lines below are the failing tool's output; a missing or unreadable global/pg_control means the backup is incomplete",
      },
    );
  }
  const doing = {
    start: 'did not start',
    recovery: 'failed while recovering',
    open: 'failed while admitting the drill role',
  }[phase];
  const what = `restored PostgreSQL ${installation.major} ${doing} after ${elapsed} ms (engine=local, port=${run.port ?? 'none'})`;
  return postmasterFailure({ what, error, logPath: files.logPath });
}
