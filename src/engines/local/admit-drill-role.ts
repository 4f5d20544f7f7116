import type { OsUser } from './os-user.js';
import { renderHbaConf, SERVER_ROLE } from './server-config.js';
import { writePrivateFile } from './server-files.js';
import { scramVerifier } from './scram-verifier.js';
import { connectOverSocket, type SocketLogin, type SocketTarget } from './socket-client.js';

export interface AdmitDrillRoleInput {
  socket: SocketTarget;
  /** The restored cluster's superuser that answered during recovery. */
  login: SocketLogin;
  password: string;
  hbaPath: string;
  user: OsUser | undefined;
  /** The scram-only pg_hba.conf that replaces the recovery one. @default renderHbaConf() (loopback and socket) */
  hba?: string;
}

/**
 * Once recovery has ended: give the role pgdrill (created, or production's own altered) superuser, login and
 * `password`, then swap the trusting recovery pg_hba.conf for the scram-only one start() uses and reload.
 * The reload is asynchronous: the caller's first TCP login proves it took effect.
 */
export async function admitDrillRole(input: AdmitDrillRoleInput): Promise<void> {
  const client = await connectOverSocket(input.socket, input.login);
  try {
    // Restored role or database settings may log statements; nothing of this session should reach the log.
    await client.query(`set log_statement = 'none'`);
    await client.query(`set log_min_error_statement = 'panic'`);
    await client.query(`set log_min_duration_statement = -1`);
    const exists = ((await client.query('select 1 from pg_roles where rolname = $1', [SERVER_ROLE])).rowCount ?? 0) > 0;
    // Only the verifier reaches the server, never the password itself.
    const verifier = scramVerifier(input.password);
    await client.query(
      `${exists ? 'alter' : 'create'} role ${SERVER_ROLE} with superuser login password '${verifier}' valid until 'infinity' connection limit -1`,
    );
    await writePrivateFile(input.hbaPath, input.hba ?? renderHbaConf(), input.user);
    await client.query('select pg_reload_conf()');
  } finally {
    await client.end().catch(() => undefined);
  }
}
