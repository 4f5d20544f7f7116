import { readFile } from 'node:fs/promises';
import { runCommand } from '../../process/run-command.js';

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
  /** The home directory from the passwd entry (the server's HOME). */
  home?: string;
}

/** Who the server processes run as: `user` undefined means "as pgdrill itself" (pgdrill is not root). */
export type ServerUserResolution = { ok: true; user: OsUser | undefined } | { ok: false; reason: string };

export const DEFAULT_SERVER_OS_USER = 'postgres';

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** `{ uid, gid }` for runCommand when the server runs as another user, `{}` when it runs as pgdrill. */
export function runAs(user: OsUser | undefined): { uid?: number; gid?: number } {
  return user ? { uid: user.uid, gid: user.gid } : {};
}

// initdb and postgres refuse to run as root, so as root the server needs an unprivileged user to run as.
export async function resolveServerUser(osUser: string = DEFAULT_SERVER_OS_USER): Promise<ServerUserResolution> {
  if (!isRoot()) return { ok: true, user: undefined };
  const user = await lookupOsUser(osUser);
  if (!user) {
    return {
      ok: false,
      reason:
        `pgdrill runs as root and the OS user '${osUser}' that servers would run as does not exist ` +
        `(initdb and postgres refuse to run as root); create it (useradd --system --no-create-home ${osUser}) ` +
        `or set the local engine's osUser to an existing unprivileged user`,
    };
  }
  if (user.uid === 0) {
    return {
      ok: false,
      reason: `the OS user '${osUser}' has uid 0; postgres refuses to run as root: choose an unprivileged osUser`,
    };
  }
  return { ok: true, user };
}

/** The passwd entry of `name` (NSS through getent when present, else /etc/passwd), or undefined. */
export async function lookupOsUser(name: string): Promise<OsUser | undefined> {
  const viaGetent = await runCommand('getent', ['passwd', name], { okExitCodes: [0, 2], timeoutMs: 10_000 })
    .then((r) => (r.exitCode === 0 ? r.stdout : ''))
    .catch(() => undefined);
  const text = viaGetent ?? (await readFile('/etc/passwd', 'utf8').catch(() => ''));
  for (const line of text.split('\n')) {
    const [entryName, , uid, gid, , home] = line.split(':');
    if (entryName === name && uid !== undefined && gid !== undefined)
      return { name, uid: Number(uid), gid: Number(gid), ...(home ? { home } : {}) };
  }
  return undefined;
}
