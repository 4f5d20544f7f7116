import { chmod, chown, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DrillError } from '../../errors.js';
import { registerCleanup } from '../../process/cleanup.js';
import { resolveServerUser, runAs, type OsUser } from '../../engines/local/os-user.js';

/** Private directories of the backup tools, owned by the server's OS user (0700). */
export interface ToolDirs {
  root: string;
  lock: string;
  log: string;
  spool: string;
  config: string;
  /** HOME of the tools, so nothing reads or writes the real home of `postgres` (~/.aws, caches). */
  home: string;
}

/** One fixture's directory under the caller's workDir; tools and the source server live below it. */
export interface FixtureWorkspace extends AsyncDisposable {
  /** 0711 (as root): the server user can traverse it but not list it. Kept: returned paths live here. */
  dir: string;
  tools: ToolDirs;
  /** The OS user the server and the tools run as; undefined when pgdrill is not root. */
  user: OsUser | undefined;
  /** `{ uid, gid }` for runCommand, `{}` when not root. */
  runAs: { uid?: number; gid?: number };
  /** Make a directory owned by the server user (0700), e.g. a WAL archive written by archive_command. */
  makeOwnedDir(path: string): Promise<string>;
  /**
   * A script that exports `env` and execs its arguments: archive_command gets the environment the local
   * engine cannot give the postmaster. The values sit in a 0600 file removed on dispose.
   */
  writeEnvWrapper(env: Record<string, string>): Promise<string>;
  /** Copy a file the server user cannot reach (the embedded S3's CA in its 0700 dir) into the tools' config dir. */
  copyToConfig(source: string, name: string): Promise<string>;
}

export async function createFixtureWorkspace(workDir: string, name: string): Promise<FixtureWorkspace> {
  const resolved = await resolveServerUser();
  if (!resolved.ok) throw new DrillError('FIXTURE_USER_MISSING', resolved.reason);
  const user = resolved.user;
  const dir = await mkdtemp(join(workDir, `${name}-`));
  await chmod(dir, user ? 0o711 : 0o700);
  const makeOwnedDir = async (path: string): Promise<string> => {
    await mkdir(path, { mode: 0o700, recursive: true });
    await chmod(path, 0o700);
    if (user) await chown(path, user.uid, user.gid);
    return path;
  };
  const root = await makeOwnedDir(join(dir, 'tools'));
  const removeTools = () => rm(root, { recursive: true, force: true, maxRetries: 3 });
  const unregister = registerCleanup(`fixture tool dir ${root}`, removeTools);
  const tools: ToolDirs = { root, lock: '', log: '', spool: '', config: '', home: '' };
  for (const sub of ['lock', 'log', 'spool', 'config', 'home'] as const)
    tools[sub] = await makeOwnedDir(join(root, sub));

  const writeOwnedFile = async (path: string, text: string, mode: number): Promise<void> => {
    await writeFile(path, text, { mode });
    await chmod(path, mode);
    if (user) await chown(path, user.uid, user.gid);
  };
  return {
    dir,
    tools,
    user,
    runAs: runAs(user),
    makeOwnedDir,
    async writeEnvWrapper(env) {
      const envFile = join(tools.config, 'archive.env');
      const script = join(tools.config, 'with-env.sh');
      await writeOwnedFile(
        envFile,
        Object.entries(env)
          .map(([k, v]) => `export ${k}=${shellQuote(v)}\n`)
          .join(''),
        0o600,
      );
      await writeOwnedFile(script, `#!/bin/sh\n. ${shellQuote(envFile)}\nexec "$@"\n`, 0o700);
      return script;
    },
    async copyToConfig(source, name) {
      const target = join(tools.config, name);
      await copyFile(source, target);
      await chmod(target, 0o600);
      if (user) await chown(target, user.uid, user.gid);
      return target;
    },
    // Only the tools dir goes: it holds the env file; the rest are results the caller reads.
    [Symbol.asyncDispose]: async () => {
      unregister();
      await removeTools();
    },
  };
}

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
