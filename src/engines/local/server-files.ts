import { chmod, chown, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { EngineError } from '../../errors.js';
import type { OsUser } from './os-user.js';

/** Everything one local server owns on disk; all of it is removed when the server is stopped. */
export interface ServerFiles {
  /** `<workDir>/local-pg-<hex>`, 0700, owned by the server user: holds all of the below but maybe the socket dir. */
  serverDir: string;
  dataDir: string;
  socketDir: string;
  logPath: string;
  pwfilePath: string;
  /** Paths to delete on teardown (serverDir, and the socket dir when it had to live outside it). */
  owned: string[];
}

// A unix socket path is limited to 107 bytes; "/.s.PGSQL.65535" takes 15 of them.
const MAX_SOCKET_DIR_BYTES = 90;

/** Create the server's private directories under `workDir`, owned by the user the server runs as. */
export async function createServerFiles(workDir: string, user: OsUser | undefined): Promise<ServerFiles> {
  const base = resolve(workDir);
  if (user) await assertReachableBy(base, user);
  const serverDir = join(base, `local-pg-${randomBytes(4).toString('hex')}`);
  await mkdir(serverDir, { mode: 0o700 });
  const owned = [serverDir];
  try {
    await chownTo(serverDir, user);
    const files = {
      serverDir,
      dataDir: join(serverDir, 'data'),
      logPath: join(serverDir, 'server.log'),
      pwfilePath: join(serverDir, 'pwfile'),
    };
    await makePrivateDir(files.dataDir, user);
    await writeFile(files.logPath, '', { mode: 0o600 });
    await chownTo(files.logPath, user);
    const socketDir = await createSocketDir(join(serverDir, 'socket'), user, owned);
    return { ...files, socketDir, owned };
  } catch (error) {
    await removeServerFiles(owned);
    throw error;
  }
}

/** Remove what createServerFiles made; never throws for a path that is already gone. */
export async function removeServerFiles(owned: readonly string[]): Promise<void> {
  for (const path of owned) await rm(path, { recursive: true, force: true, maxRetries: 3 });
}

export async function chownTo(path: string, user: OsUser | undefined): Promise<void> {
  if (user) await chown(path, user.uid, user.gid);
}

/** Write (or replace) a 0600 file the server reads, owned by the server user. */
export async function writePrivateFile(path: string, text: string, user: OsUser | undefined): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
  await chmod(path, 0o600); // an existing file keeps its mode otherwise
  await chownTo(path, user);
}

/** What a server started on a restored data dir has besides: a scratch dir for the restore's tools, config outside the data dir. */
export interface RestoredServerFiles extends ServerFiles {
  scratchDir: string;
  /** Passed as config_file, so the backup's postgresql.conf is not read. */
  configPath: string;
  hbaPath: string;
  identPath: string;
}

export async function createRestoredServerFiles(
  workDir: string,
  user: OsUser | undefined,
): Promise<RestoredServerFiles> {
  const files = await createServerFiles(workDir, user);
  const scratchDir = join(files.serverDir, 'scratch');
  try {
    await makePrivateDir(scratchDir, user);
  } catch (error) {
    await removeServerFiles(files.owned);
    throw error;
  }
  const [configPath, hbaPath, identPath] = ['postgresql.conf', 'pg_hba.conf', 'pg_ident.conf'].map((name) =>
    join(files.serverDir, name),
  ) as [string, string, string];
  return { ...files, scratchDir, configPath, hbaPath, identPath };
}

async function makePrivateDir(path: string, user: OsUser | undefined): Promise<void> {
  await mkdir(path, { mode: 0o700 });
  await chmod(path, 0o700); // mkdir's mode is filtered by the umask
  await chownTo(path, user);
}

// A long workDir, or one with characters that unix_socket_directories would split on, gets a short dir in TMPDIR.
async function createSocketDir(preferred: string, user: OsUser | undefined, owned: string[]): Promise<string> {
  if (Buffer.byteLength(preferred) <= MAX_SOCKET_DIR_BYTES && !/[\s,'"\\]/.test(preferred)) {
    await makePrivateDir(preferred, user);
    return preferred;
  }
  const dir = await mkdtemp(join(tmpdir(), 'pgdrill-sock-'));
  owned.push(dir);
  await chmod(dir, 0o700);
  await chownTo(dir, user);
  return dir;
}

/**
 * As root the server runs as `user`, which must be able to search every directory above its data dir.
 * The work dir itself gets o+x (0711 keeps it unlistable) when pgdrill owns it; a parent that blocks the
 * user is an error naming it.
 */
async function assertReachableBy(workDir: string, user: OsUser): Promise<void> {
  const info = await stat(workDir);
  if (!canSearch(info, user) && info.uid === process.getuid?.()) await chmod(workDir, (info.mode & 0o7777) | 0o001);
  for (let dir = workDir; ; dir = dirname(dir)) {
    const current = await stat(dir);
    if (!canSearch(current, user)) {
      throw new EngineError(
        'WORKDIR_NOT_REACHABLE',
        `the OS user '${user.name}' (uid ${user.uid}) cannot reach ${workDir}: ${dir} has mode ${(current.mode & 0o7777).toString(8).padStart(4, '0')} and owner uid ${current.uid}`,
        { hint: `give ${dir} search permission for others (chmod o+x ${dir}) or use a work directory under /tmp` },
      );
    }
    if (dirname(dir) === dir) return;
  }
}

function canSearch(info: { mode: number; uid: number; gid: number }, user: OsUser): boolean {
  if (info.uid === user.uid) return (info.mode & 0o100) !== 0;
  if (info.gid === user.gid) return (info.mode & 0o010) !== 0;
  return (info.mode & 0o001) !== 0;
}
