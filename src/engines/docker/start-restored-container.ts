import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Wait, type ContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { EngineError, isDrillError } from '../../errors.js';
import { registerCleanup } from '../../process/cleanup.js';
import { currentOwner, formatOwner } from '../../lifecycle/owner-identity.js';
import { OWNER_LABEL } from '../../lifecycle/orphan-containers.js';
import { startSupervisor } from '../../lifecycle/start-supervisor.js';
import { addToOwnerRecord } from '../../lifecycle/owner-record.js';
import { guardRestoreCommand, serverEnvironment } from '../server-environment.js';
import type { RecoveryOutcome, RestoredServer, RestoredServerSpec } from '../engine.js';
import { admitDrillRole } from '../local/admit-drill-role.js';
import { confirmConnection } from '../local/confirm-connection.js';
import { parseControlData, raiseToControlData } from '../local/controldata.js';
import { resolveServerUser, type OsUser } from '../local/os-user.js';
import { prepareRestoredDataDir } from '../local/prepare-restored-datadir.js';
import {
  assertRestoredSettingsAllowed,
  renderRecoveryHbaConf,
  renderRestoredServerConf,
} from '../local/restored-server-config.js';
import { renderHbaConf, SERVER_ROLE } from '../local/server-config.js';
import {
  createRestoredServerFiles,
  removeServerFiles,
  writePrivateFile,
  type RestoredServerFiles,
} from '../local/server-files.js';
import { postmasterFailure } from '../local/server-lifecycle.js';
import { DEFAULT_RECOVERY_TIMEOUT_MS, DEFAULT_SUPERUSERS } from '../local/start-restored-server.js';
import { waitForRecovery } from '../local/wait-for-recovery.js';
import { containerUser } from './container-user.js';
import { ENGINE_LABEL, removeLabelled, SERVER_LABEL, WORKDIR_LABEL } from './docker-runtime.js';
import { LoopbackContainer } from './loopback-containers.js';
import { once } from './start-docker-server.js';
import { CONTAINER_PORT, StartedDockerServer } from './started-docker-server.js';
import { startWalBroker, type WalBroker } from './wal-broker.js';

export interface RestoredContainerInput {
  client: ContainerRuntimeClient;
  image: string;
  major: number;
  spec: RestoredServerSpec;
  osUser?: string;
}

/** A restored server in a container; `recovery` says how recovery ended (see RestoredServer). */
export class RestoredDockerServer extends StartedDockerServer implements RestoredServer {
  constructor(
    init: ConstructorParameters<typeof StartedDockerServer>[0],
    readonly recovery: RecoveryOutcome,
  ) {
    super(init);
  }
}

// The container first reads pg_control with the image's own pg_controldata (the settings a standby needs
// depend on it and this machine may lack that major), then waits for the config and starts the server
// with its log on the shared log file.
const TWO_PHASE_START = `set -u
data=$1 ctl=$2 go=$3 conf=$4 log=$5
if LC_ALL=C pg_controldata "$data" > "$ctl.tmp" 2>&1; then mv "$ctl.tmp" "$ctl"; else mv "$ctl.tmp" "$ctl.failed"; fi
echo "pgdrill: control data read"
while [ ! -e "$go" ]; do sleep 0.05; done
unset PGDATA
exec postgres -D "$data" -c config_file="$conf" 2>>"$log"
`;

/**
 * Physical restores on the docker engine: the source's tools restore on this machine into a private
 * directory that is mounted at the same path into a container of the backup's major, running as the same
 * uid; WAL comes through the broker (wal-broker.ts). Until promotion only the private socket admits anyone;
 * afterwards the drill's role by password, on the published loopback port.
 */
export async function startRestoredContainer(input: RestoredContainerInput): Promise<RestoredDockerServer> {
  const { spec } = input;
  assertRestoredSettingsAllowed(spec.settings, spec.recovery);
  const resolved = await resolveServerUser(input.osUser);
  if (!resolved.ok)
    throw new EngineError('SERVER_USER_MISSING', resolved.reason, {
      hint: 'the docker engine runs restored servers as this user too (it owns the restored files)',
    });
  const user = resolved.user;
  const files = await createRestoredServerFiles(spec.workDir, user);
  const serverId = randomBytes(8).toString('hex');
  const state: { container?: StartedTestContainer; broker?: WalBroker; phase: string; began: number } = {
    phase: 'restore',
    began: Date.now(),
  };
  // If pgdrill dies (SIGKILL), this removes the container by its label, stops the restore's tools and removes the files.
  const supervisor = startSupervisor({ dirs: files.owned, containers: [`${SERVER_LABEL}=${serverId}`] });
  const outside = files.owned.filter((path) => path !== files.serverDir);
  addToOwnerRecord(
    files.serverDir,
    { dataDirs: [files.dataDir], containers: [`${SERVER_LABEL}=${serverId}`], paths: outside },
    `restored PostgreSQL container ${input.image}`,
  );
  for (const path of outside) addToOwnerRecord(path, {}, `socket directory of ${files.dataDir}`);
  const teardown = once(async () => {
    unregister();
    await state.container?.stop({ remove: true, removeVolumes: true, timeout: 5_000 }).catch(() => undefined);
    await removeLabelled(input.client, SERVER_LABEL, serverId).catch(() => undefined);
    await state.broker?.[Symbol.asyncDispose]();
    await removeServerFiles(files.owned);
    supervisor.release();
  });
  const unregister = registerCleanup(
    `docker container of restored PostgreSQL ${input.major} (${input.image})`,
    teardown,
  );
  try {
    return await restoreAndRecover(input, files, user, serverId, state, teardown);
  } catch (error) {
    const failure = await describeFailure(input, files, state, error);
    await teardown();
    throw failure;
  }
}

async function restoreAndRecover(
  input: RestoredContainerInput,
  files: RestoredServerFiles,
  user: OsUser | undefined,
  serverId: string,
  state: { container?: StartedTestContainer; broker?: WalBroker; phase: string; began: number },
  teardown: () => Promise<void>,
): Promise<RestoredDockerServer> {
  const { spec, image, major } = input;
  const enter = (phase: string) => Object.assign(state, { phase, began: Date.now() }).began;
  await spec.restore({ dataDir: files.dataDir, scratchDir: files.scratchDir, runAs: user ? { ...user } : undefined });
  spec.signal?.throwIfAborted();
  enter('prepare');
  assertRestoredSettingsAllowed(spec.settings, spec.recovery);
  await prepareRestoredDataDir({
    installation: { major, binDir: `image ${image}` },
    engine: 'docker',
    dataDir: files.dataDir,
    user,
  });
  await writePrivateFile(files.hbaPath, renderRecoveryHbaConf(), user);
  await writePrivateFile(files.identPath, '', user);
  const recovery = { ...spec.recovery };
  if (recovery.restore_command) {
    state.broker = await startWalBroker({
      dir: join(files.serverDir, 'wal-broker'),
      // As on the local engine: the credentials come from a private file, not the broker's environment.
      hostCommand: await guardRestoreCommand({
        command: recovery.restore_command,
        env: spec.serverEnv,
        scratchDir: files.scratchDir,
        runAs: user,
      }),
      dataDir: files.dataDir,
      runAs: user,
      env: serverEnvironment(user?.home),
      logPath: files.logPath,
    });
    recovery.restore_command = state.broker.restoreCommand;
  }
  const runAs = await containerUser(user, files.serverDir);
  const control = join(files.serverDir, 'controldata');
  const go = join(files.serverDir, 'go');
  const mounts = [files.serverDir, ...(dirname(files.socketDir) === files.serverDir ? [] : [files.socketDir])].map(
    (dir) => ({ source: dir, target: dir, mode: 'rw' as const }),
  );
  const postmasterAt = enter('start');
  const recoveryTimeoutMs = spec.recoveryTimeoutMs ?? DEFAULT_RECOVERY_TIMEOUT_MS;
  state.container = await new LoopbackContainer(image)
    .withEntrypoint([
      'sh',
      '-c',
      TWO_PHASE_START,
      'pgdrill',
      files.dataDir,
      control,
      go,
      files.configPath,
      files.logPath,
    ])
    .withCommand([])
    .withUser(runAs.spec)
    .withBindMounts([...mounts, ...runAs.mounts])
    .withExposedPorts(CONTAINER_PORT)
    .withLabels({
      [ENGINE_LABEL]: 'docker',
      [SERVER_LABEL]: serverId,
      [WORKDIR_LABEL]: spec.workDir,
      [OWNER_LABEL]: formatOwner(currentOwner()),
    })
    .withWaitStrategy(Wait.forLogMessage('pgdrill: control data read'))
    .withStartupTimeout(Math.min(spec.startTimeoutMs ?? 120_000, recoveryTimeoutMs))
    .start();
  const container = state.container;
  const controlText = await readFile(control, 'utf8').catch(async () => {
    throw new EngineError(
      'PG_CONTROLDATA_FAILED',
      `pg_controldata of ${image} could not read the restored ${files.dataDir}/global/pg_control`,
      {
        details: (await readFile(`${control}.failed`, 'utf8').catch(() => '')).split('\n').filter(Boolean).slice(-10),
        hint: 'a missing or unreadable global/pg_control means the backup is incomplete',
      },
    );
  });
  const settings = raiseToControlData(spec.settings ?? {}, parseControlData(controlText));
  const { socketDir, dataDir, hbaPath, identPath, configPath } = files;
  const conf = renderRestoredServerConf({
    port: CONTAINER_PORT,
    socketDir,
    dataDir,
    hbaPath,
    identPath,
    recovery,
    settings,
    listenAddresses: '*',
    engine: 'docker',
  });
  await writePrivateFile(configPath, conf, user);
  await writeFile(go, '');
  enter('recovery');
  const isAlive = async () =>
    (await input.client.container.inspect(input.client.container.getById(container.getId())).catch(() => undefined))
      ?.State.Running === true;
  const socket = { socketDir, port: CONTAINER_PORT };
  const wait = await waitForRecovery({
    socket,
    dataDir,
    superusers: spec.superusers ?? DEFAULT_SUPERUSERS,
    deadline: postmasterAt + recoveryTimeoutMs,
    signal: spec.signal,
    isAlive,
  });
  const durationMs = Date.now() - postmasterAt;
  if (wait.ended !== 'promoted') await container.stop({ remove: false, timeout: 5_000 }).catch(() => undefined);
  const outcome: RecoveryOutcome = { ended: wait.ended, durationMs, log: await readFile(files.logPath, 'utf8'), major };
  enter('open');
  const password = randomBytes(24).toString('base64url');
  const connection = {
    host: '127.0.0.1',
    port: container.getMappedPort(CONTAINER_PORT),
    user: SERVER_ROLE,
    password,
    database: wait.ended === 'promoted' ? wait.login.database : 'postgres',
  };
  let version = `PostgreSQL ${major} (${image})`;
  if (wait.ended === 'promoted') {
    // TCP reaches the server from the Docker bridge; the published port itself is bound to 127.0.0.1.
    await admitDrillRole({ socket, login: wait.login, password, hbaPath, user, hba: renderHbaConf('0.0.0.0/0') });
    version = await confirmConnection({
      connection,
      deadline: Date.now() + 30_000,
      signal: spec.signal,
      alsoTransient: ['28000'],
    });
  }
  return new RestoredDockerServer(
    { major, version, image, containerId: container.getId(), connection, logPath: files.logPath, teardown },
    outcome,
  );
}

async function describeFailure(
  input: RestoredContainerInput,
  files: RestoredServerFiles,
  state: { phase: string; began: number },
  error: unknown,
): Promise<unknown> {
  const { spec, image, major } = input;
  if (spec.signal?.aborted)
    return new EngineError(
      'SERVER_START_ABORTED',
      `restored PostgreSQL ${major} in ${image} was aborted; the container and its files were removed`,
      { cause: spec.signal.reason },
    );
  if (state.phase === 'restore' || isDrillError(error)) return error;
  const elapsed = Date.now() - state.began;
  const doing =
    {
      prepare: 'could not be prepared',
      start: 'did not start',
      recovery: 'failed while recovering',
      open: 'failed while admitting the drill role',
    }[state.phase] ?? 'failed';
  return postmasterFailure({
    what: `restored PostgreSQL ${major} in ${image} ${doing} after ${elapsed} ms (engine=docker)`,
    error,
    logPath: files.logPath,
  });
}
