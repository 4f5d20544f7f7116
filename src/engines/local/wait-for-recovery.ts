import { setTimeout as sleep } from 'node:timers/promises';
import { EngineError } from '../../errors.js';
import { connectOverSocket, errorCode, type SocketLogin, type SocketTarget } from './socket-client.js';
import { isRunning, readPostmasterPid, readPostmasterStatus } from './stop-postmaster.js';

export interface WaitForRecoveryInput {
  socket: SocketTarget;
  dataDir: string;
  /** Roles tried in order until one is a superuser of the restored cluster. */
  superusers: readonly string[];
  /** Give up at this time (Date.now() scale). */
  deadline: number;
  signal?: AbortSignal;
  /** @default 250 */
  intervalMs?: number;
  /** Whether the server still runs. @default the postmaster.pid process is alive (a container's pid is not visible here) */
  isAlive?: () => Promise<boolean>;
}

export type RecoveryWait = { ended: 'promoted'; login: SocketLogin } | { ended: 'died' | 'timeout' };

type Answer = { kind: 'answered'; login: SocketLogin; inRecovery: boolean };
type Probe = Answer | { kind: 'not-ready' } | { kind: 'refused'; why: string };

// Databases to connect to for the probe: a cluster may have dropped `postgres`.
const PROBE_DATABASES = ['postgres', 'template1'];

/**
 * Watch a server in recovery until it leaves it (pg_is_in_recovery() = false), its postmaster exits, or the
 * deadline passes. `pg_ctl start -w` returned at hot standby, which is long before recovery ends.
 */
export async function waitForRecovery(input: WaitForRecoveryInput): Promise<RecoveryWait> {
  const pid = await readPostmasterPid(input.dataDir);
  const isAlive = input.isAlive ?? (async () => pid !== undefined && isRunning(pid));
  // Each refused candidate costs a FATAL line in the server log: ask each one once.
  const refusals = new Map<string, string>();
  let login: SocketLogin | undefined;
  for (;;) {
    input.signal?.throwIfAborted();
    if (!(await isAlive())) return { ended: 'died' };
    const candidates = login ? [login.user] : input.superusers.filter((user) => !refusals.has(user));
    // Every candidate is missing or not a superuser while the server accepts connections: waiting will not help.
    if (candidates.length === 0) throw superuserUnknown(input.superusers, refusals);
    const probe = (await acceptsConnections(input.dataDir))
      ? await probeCandidates(input.socket, candidates, refusals)
      : undefined;
    if (probe) {
      login = probe.login;
      if (!probe.inRecovery) return { ended: 'promoted', login };
    } else if (login && refusals.has(login.user)) {
      login = undefined; // replay dropped or demoted it: try the others
    }
    if (Date.now() >= input.deadline) return { ended: 'timeout' };
    await sleep(input.intervalMs ?? 250, undefined, { signal: input.signal });
  }
}

// Before hot standby every connection attempt would add a FATAL "the database system is starting up" to the log.
async function acceptsConnections(dataDir: string): Promise<boolean> {
  const status = (await readPostmasterStatus(dataDir))?.status;
  return status === 'standby' || status === 'ready';
}

/** The first candidate that answers, or undefined (not accepting connections yet, or every candidate refused: see `refusals`). */
async function probeCandidates(
  socket: SocketTarget,
  candidates: readonly string[],
  refusals: Map<string, string>,
): Promise<Answer | undefined> {
  for (const user of candidates) {
    const probe = await probeAs(socket, user);
    if (probe.kind === 'answered') return probe;
    if (probe.kind === 'not-ready') return undefined;
    refusals.set(user, probe.why);
  }
  return undefined;
}

async function probeAs(socket: SocketTarget, user: string): Promise<Probe> {
  for (const database of PROBE_DATABASES) {
    const login = { user, database };
    try {
      const client = await connectOverSocket(socket, login);
      try {
        const { rows } = await client.query<{ in_recovery: boolean; superuser: boolean }>(
          'select pg_is_in_recovery() as in_recovery, (select rolsuper from pg_roles where rolname = current_user) as superuser',
        );
        if (rows[0]?.superuser !== true) return { kind: 'refused', why: 'is not a superuser' };
        return { kind: 'answered', login, inRecovery: rows[0].in_recovery };
      } finally {
        await client.end().catch(() => undefined);
      }
    } catch (error) {
      const code = errorCode(error);
      if (code === '3D000') continue; // no such database: try the next one
      // 28000 over a trusted socket: the role does not exist or may not log in.
      if (code === '28000') return { kind: 'refused', why: error instanceof Error ? error.message : String(error) };
      return { kind: 'not-ready' }; // not accepting connections yet, or going away: the postmaster check decides
    }
  }
  return { kind: 'refused', why: `none of the databases ${PROBE_DATABASES.join(', ')} exists` };
}

function superuserUnknown(tried: readonly string[], refusals: ReadonlyMap<string, string>): EngineError {
  return new EngineError(
    'RESTORED_SUPERUSER_UNKNOWN',
    `no superuser of the restored cluster could log in over the private socket (tried ${tried.join(', ')})`,
    {
      details: [...refusals].map(([user, why]) => `${user}: ${why}`),
      hint: 'set postgres.superuser in the suite to a superuser role of the backed-up cluster (the one initdb created there); pgdrill needs it once, to create its own role',
    },
  );
}
