import { randomBytes } from 'node:crypto';
import { CommandError, EngineError, isDrillError } from '../../errors.js';
import type { ServerSpec } from '../engine.js';
import { confirmConnection } from './confirm-connection.js';
import type { PgInstallation } from './find-installations.js';
import { initCluster } from './init-cluster.js';
import type { OsUser } from './os-user.js';
import { renderServerSettings, SERVER_ROLE } from './server-config.js';
import { createServerFiles, type ServerFiles } from './server-files.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { abortError, createTeardown, postmasterFailure } from './server-lifecycle.js';
import { StartedLocalServer } from './started-local-server.js';
import { startPostmaster } from './start-postmaster.js';
import { admitDrillRole } from './admit-drill-role.js';
import { renderRecoveryHbaConf } from './restored-server-config.js';
import { writePrivateFile } from './server-files.js';
import type { TemplateCache } from './template-cluster.js';

export const DEFAULT_START_TIMEOUT_MS = 60_000;

interface Boot {
  installation: PgInstallation;
  files: ServerFiles;
  user: OsUser | undefined;
  spec: ServerSpec;
  templates: TemplateCache | undefined;
  startedAt: number;
  /** What start() was doing when it failed, for the error message. */
  phase: { name: 'initdb' | 'start'; since: number; port?: number };
}

/**
 * Create (from the template cluster, else by initdb) and start a server for `installation` under spec.workDir;
 * on any failure remove all of it.
 */
export async function startLocalServer(
  installation: PgInstallation,
  user: OsUser | undefined,
  spec: ServerSpec,
  templates?: TemplateCache,
): Promise<StartedLocalServer> {
  const startedAt = Date.now();
  if (spec.signal?.aborted) throw abortError(installation, startedAt, spec.signal);
  const files = await createServerFiles(spec.workDir, user);
  const teardown = createTeardown(installation, files, user);
  const boot: Boot = {
    installation,
    files,
    user,
    spec,
    templates,
    startedAt,
    phase: { name: 'initdb', since: startedAt },
  };
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
  const template = await boot.templates?.find(installation, user).catch(() => undefined);
  const baseConf = template
    ? await copyTemplate(boot, template)
    : await initCluster({ binDir: installation.binDir, files, user, password, signal: spec.signal });
  // Stored before the first start: a cleanly shut down cluster with no postmaster.pid and no data.
  if (!template) await boot.templates?.store(installation, user, files.dataDir);
  const timeoutMs = spec.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  boot.phase = { name: 'start', since: Date.now() };
  const renderConfig = (port: number): string =>
    baseConf + renderServerSettings({ port, socketDir: files.socketDir, extra: spec.settings });
  const started = await startPostmaster({
    binDir: installation.binDir,
    files,
    user,
    renderConfig,
    timeoutMs,
    signal: spec.signal,
  });
  boot.phase.port = started.port;
  if (!started.ok) throw started.cause;
  const pgCtlDoneAt = Date.now();
  const connection = { host: '127.0.0.1', port: started.port, user: SERVER_ROLE, password, database: 'postgres' };
  // A copy of the template: this drill's own password over the private socket, then the scram-only pg_hba.conf.
  if (template) {
    const hbaPath = join(files.dataDir, 'pg_hba.conf');
    await admitDrillRole({
      socket: { socketDir: files.socketDir, port: started.port },
      login: { user: SERVER_ROLE, database: 'postgres' },
      password,
      hbaPath,
      user,
    });
  }
  // Until the postmaster has reloaded pg_hba.conf, TCP logins are rejected (28000).
  const version = await confirmConnection({
    connection,
    deadline: boot.phase.since + timeoutMs,
    signal: spec.signal,
    alsoTransient: template ? ['28000'] : [],
  });
  if (spec.signal?.aborted) throw spec.signal.reason;
  const now = Date.now();
  const timings = {
    initdbMs: boot.phase.since - boot.startedAt,
    fromTemplate: Boolean(template),
    pgCtlStartMs: pgCtlDoneAt - boot.phase.since,
    firstQueryMs: now - pgCtlDoneAt,
    totalMs: now - boot.startedAt,
  };
  const { major, binDir } = installation;
  return new StartedLocalServer({
    major,
    version,
    binDir,
    dataDir: files.dataDir,
    logPath: files.logPath,
    connection,
    timings,
    teardown,
  });
}

/** The template's files into this server's data dir, trusting only the private socket until the drill's password is set. */
async function copyTemplate(boot: Boot, template: string): Promise<string> {
  const { files, user, spec } = boot;
  await boot.templates!.copyTo(template, files.dataDir, spec.signal);
  await writePrivateFile(join(files.dataDir, 'pg_hba.conf'), renderRecoveryHbaConf(), user);
  return readFile(join(files.dataDir, 'postgresql.conf'), 'utf8');
}

async function describeFailure(boot: Boot, error: unknown): Promise<Error> {
  const { installation, phase, spec } = boot;
  const elapsed = Date.now() - phase.since;
  if (spec.signal?.aborted) return abortError(installation, boot.startedAt, spec.signal);
  if (isDrillError(error) && !(error instanceof CommandError)) return error;
  if (phase.name === 'initdb') {
    const why = error instanceof Error ? error.message : String(error);
    return new EngineError(
      'SERVER_START_FAILED',
      `initdb (or the copy of the template cluster) of PostgreSQL ${installation.major} failed after ${elapsed} ms (engine=local): ${why}`,
      {
        cause: error,
        details: error instanceof CommandError ? error.stderrTail : [],
        hint: `the lines below are initdb's output; check that ${boot.files.serverDir} is on a writable file system with free space`,
      },
    );
  }
  const what = `PostgreSQL ${installation.major} did not accept connections after ${elapsed} ms (engine=local, port=${phase.port ?? 'none'})`;
  return postmasterFailure({ what, error, logPath: boot.files.logPath });
}
