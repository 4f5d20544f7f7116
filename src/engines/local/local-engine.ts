import { EngineError } from '../../errors.js';
import type { Engine, ProbeResult, RestoredServer, RestoredServerSpec, ServerSpec, StartedServer } from '../engine.js';
import { DEFAULT_DEBIAN_ROOT, findInstallations, inspectBinDir, type PgInstallation } from './find-installations.js';
import { resolveServerUser, type OsUser } from './os-user.js';
import { assertRestoredSettingsAllowed } from './restored-server-config.js';
import { assertSettingsAllowed } from './server-config.js';
import { startLocalServer } from './start-local-server.js';
import { startRestoredServer } from './start-restored-server.js';
import { createTemplateCache, templateCacheDir } from './template-cluster.js';

export interface LocalEngineOptions {
  /** A PostgreSQL bin directory to prefer (e.g. /opt/pg16/bin). @default undefined: search /usr/lib/postgresql/<N>/bin and PATH */
  binDir?: string;
  /**
   * The unprivileged OS user servers run as when pgdrill runs as root (initdb and postgres refuse root).
   * Ignored when pgdrill is not root: servers then run as pgdrill's own user.
   * @default 'postgres'
   */
  osUser?: string;
  /**
   * Where template clusters are kept (initdb once per installation, then a copy per server), or false for an
   * initdb per server. @default templateCacheDir(): $PGDRILL_CACHE_DIR/templates, else ~/.cache/pgdrill/templates; off when PGDRILL_CACHE_DIR=off
   */
  templateCache?: string | false;
}

/** The local engine always restores physical backups (PostgreSQL 12 or later). */
export type LocalEngine = Engine & Required<Pick<Engine, 'startRestored'>>;

/** The embedded default engine: PostgreSQL binaries already on this machine, on 127.0.0.1 and a private socket. */
export function createLocalEngine(options: LocalEngineOptions = {}): LocalEngine {
  let scan: Promise<PgInstallation[]> | undefined;
  const cacheDir = options.templateCache === false ? undefined : (options.templateCache ?? templateCacheDir());
  const templates = cacheDir ? createTemplateCache(cacheDir) : undefined;
  const installations = (): Promise<PgInstallation[]> => (scan ??= findInstallations({ binDir: options.binDir }));
  return {
    kind: 'local',
    probe: async () => probeLocal(options, await installations()),
    start: async (spec: ServerSpec): Promise<StartedServer> => {
      assertSettingsAllowed(spec.settings);
      const installation = pickInstallation(await installations(), spec.major, options.binDir);
      const user = await requireServerUser(options.osUser);
      return startLocalServer(installation, user, spec, templates);
    },
    startRestored: async (spec: RestoredServerSpec): Promise<RestoredServer> => {
      assertRestoredSettingsAllowed(spec.settings, spec.recovery);
      const installation = pickInstallation(await installations(), spec.major, options.binDir);
      assertRecoverySignalSupported(installation);
      const user = await requireServerUser(options.osUser);
      return startRestoredServer(installation, user, spec);
    },
  };
}

async function probeLocal(options: LocalEngineOptions, installations: PgInstallation[]): Promise<ProbeResult> {
  const servers = installations.filter(canStartServers);
  const configuredProblem =
    options.binDir && !(await inspectBinDir(options.binDir))
      ? `the configured binDir ${options.binDir} has no working postgres; `
      : '';
  if (servers.length === 0) {
    const reason = `${configuredProblem}no PostgreSQL server binaries (postgres, initdb, pg_ctl) found in ${searchedPlaces(options)}; install postgresql-15 (apt-get install postgresql-15)`;
    return { kind: 'local', usable: false, reason, majors: [] };
  }
  const majors = [...new Set(servers.map((i) => i.major))];
  const resolved = await resolveServerUser(options.osUser);
  if (!resolved.ok) return { kind: 'local', usable: false, reason: resolved.reason, majors };
  const found = servers.map((i) => `PostgreSQL ${i.version} in ${i.binDir}`).join(', ');
  const runsAs = resolved.user ? `; servers run as OS user ${resolved.user.name} (uid ${resolved.user.uid})` : '';
  return { kind: 'local', usable: true, reason: `${configuredProblem}${found}${runsAs}`, majors };
}

/** The installation for `major` (the newest when undefined) that has what it takes to start a server. */
export function pickInstallation(
  installations: PgInstallation[],
  major: number | undefined,
  binDir?: string,
): PgInstallation {
  const servers = installations.filter(canStartServers);
  const match = major === undefined ? servers[0] : servers.find((i) => i.major === major);
  if (match) return match;
  const wanted = major ?? servers[0]?.major ?? 15;
  const clientOnly = installations.find((i) => i.major === wanted);
  const found =
    servers.length > 0
      ? `found ${servers.map((i) => `${i.major} (${i.binDir})`).join(', ')}`
      : `found none in ${searchedPlaces({ binDir })}`;
  throw new EngineError(
    'POSTGRES_MAJOR_NOT_INSTALLED',
    `PostgreSQL ${major ?? '(any major)'} server binaries are not installed here (engine=local ${found}` +
      `${clientOnly ? `; ${clientOnly.binDir} lacks initdb or pg_ctl` : ''})`,
    {
      hint:
        `install postgresql-${wanted} (apt-get install postgresql-${wanted}; on Debian 12 majors other than 15 come from apt.postgresql.org), ` +
        `set the local engine's binDir to its bin directory, or use --engine docker`,
    },
  );
}

// Before PostgreSQL 12 recovery was configured in recovery.conf, not by recovery.signal and server settings.
function assertRecoverySignalSupported(installation: PgInstallation): void {
  if (installation.major >= 12) return;
  throw new EngineError(
    'POSTGRES_MAJOR_UNSUPPORTED',
    `physical restores need PostgreSQL 12 or later on the local engine; ${installation.binDir} is PostgreSQL ${installation.version}`,
    { hint: 'restore this backup with the docker engine, or with a pg_dump archive' },
  );
}

async function requireServerUser(osUser: string | undefined): Promise<OsUser | undefined> {
  const resolved = await resolveServerUser(osUser);
  if (!resolved.ok)
    throw new EngineError('SERVER_USER_MISSING', resolved.reason, {
      hint: 'run pgdrill doctor to see what the local engine needs',
    });
  return resolved.user;
}

function canStartServers(installation: PgInstallation): boolean {
  return installation.tools.initdb && installation.tools.pg_ctl;
}

function searchedPlaces(options: { binDir?: string }): string {
  return [options.binDir, `${DEFAULT_DEBIAN_ROOT}/*/bin`, 'PATH'].filter(Boolean).join(', ');
}
