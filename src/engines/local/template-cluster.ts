import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../process/run-command.js';
import type { PgInstallation } from './find-installations.js';
import type { OsUser } from './os-user.js';
import { isRunning } from './stop-postmaster.js';

/**
 * Template clusters: initdb runs once per PostgreSQL installation and server user; every later fresh server
 * starts from a copy of that cluster (a `cp -a` of ~40 MB instead of initdb's seconds). The template keeps
 * no usable password: each drill's server is started with socket-only trust and given its own password
 * before TCP is opened (see start-local-server.ts).
 *
 * The cache is `$PGDRILL_CACHE_DIR/templates` (default `$XDG_CACHE_HOME/pgdrill`, else `~/.cache/pgdrill`),
 * 0700 and owned by pgdrill's user; `PGDRILL_CACHE_DIR=off` turns templates off. A template is keyed by
 * what makes a cluster: the binaries (path, size, mtime, inode of initdb and postgres), the initdb options
 * and the server user, so an upgraded package gets a new template and the old one of that major is removed.
 */

// Bump when the initdb options or what the template holds change.
const TEMPLATE_FORMAT = 1;

export interface TemplateCache {
  /** The template's data directory for this installation and user, or undefined when none is stored yet. */
  find(installation: PgInstallation, user: OsUser | undefined): Promise<string | undefined>;
  /** Store a copy of a freshly initdb'd, never started data directory as the template. Never throws. */
  store(installation: PgInstallation, user: OsUser | undefined, dataDir: string): Promise<void>;
  /** Copy the template into `dataDir` (an empty directory the server user owns), keeping owners and modes. */
  copyTo(template: string, dataDir: string, signal?: AbortSignal): Promise<void>;
}

/** The cache directory from the environment, or undefined when templates are turned off. */
export function templateCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env.PGDRILL_CACHE_DIR;
  if (configured === 'off' || configured === '') return undefined;
  const base = configured ?? join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pgdrill');
  return join(base, 'templates');
}

export function createTemplateCache(dir: string): TemplateCache {
  return {
    async find(installation, user) {
      const path = join(dir, await templateKey(installation, user));
      const found = await stat(join(path, 'PG_VERSION')).catch(() => undefined);
      return found?.isFile() ? path : undefined;
    },

    async store(installation, user, dataDir) {
      const key = await templateKey(installation, user).catch(() => undefined);
      if (!key) return;
      const partial = join(dir, `${key}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        await removeAbandoned(dir);
        await runCommand('cp', ['-a', '--', dataDir, partial], {
          timeoutMs: 120_000,
          errorCode: 'TEMPLATE_COPY_FAILED',
        });
        // Another drill may have stored the same template meanwhile: theirs stays, ours goes.
        const stored = await rename(partial, join(dir, key)).then(
          () => true,
          () => false,
        );
        if (stored) await removeOlder(dir, installation, key);
      } catch {
        // A cache that cannot be written costs the next drill an initdb, nothing else.
      } finally {
        await rm(partial, { recursive: true, force: true }).catch(() => undefined);
      }
    },

    async copyTo(template, dataDir, signal) {
      await runCommand('cp', ['-a', '--', `${template}/.`, dataDir], {
        signal,
        timeoutMs: 120_000,
        errorCode: 'TEMPLATE_COPY_FAILED',
      });
    },
  };
}

async function templateKey(installation: PgInstallation, user: OsUser | undefined): Promise<string> {
  const binaries = await Promise.all(
    ['initdb', 'postgres'].map(async (tool) => {
      const s = await stat(join(installation.binDir, tool));
      return [tool, s.size, s.mtimeMs, s.ino];
    }),
  );
  const identity = JSON.stringify({ format: TEMPLATE_FORMAT, binaries, uid: user?.uid, gid: user?.gid });
  return `${installationPrefix(installation)}${sha256(identity).slice(0, 16)}`;
}

// Copies left by a pgdrill that was killed while storing one.
async function removeAbandoned(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const pid = /\.partial-(\d+)-[0-9a-f]+$/.exec(name)?.[1];
    if (pid && !isRunning(Number(pid))) await rm(join(dir, name), { recursive: true, force: true });
  }
}

// `pg15-<bin dir hash>-`: the templates of one installation, whatever the binaries' version.
function installationPrefix(installation: PgInstallation): string {
  return `pg${installation.major}-${sha256(installation.binDir).slice(0, 8)}-`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

// The installation's templates made by binaries that are no longer there (an upgrade) or by another layout.
async function removeOlder(dir: string, installation: PgInstallation, keep: string): Promise<void> {
  const prefix = installationPrefix(installation);
  for (const name of await readdir(dir)) {
    if (name !== keep && name.startsWith(prefix) && /^[^.]+$/.test(name))
      await rm(join(dir, name), { recursive: true, force: true });
  }
}
