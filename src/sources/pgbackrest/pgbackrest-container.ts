import { chown, mkdir, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RestoreTarget } from '../../engines/engine.js';
import { EngineError } from '../../errors.js';
import { runCommand } from '../../process/run-command.js';
import { shellQuote } from '../../util/shell-quote.js';
import { firstPgbackrestFor, parsePgbackrestVersion, pgbackrestHandlesMajor } from './pgbackrest-support.js';

/** What the docker engine starts for the source (structurally its ToolContainer; sources do not import engines). */
export interface PgbackrestToolContainer extends AsyncDisposable {
  major: number;
  image: string;
  file: string;
  /** Arguments running a command in the container, followed by the command. */
  execArgs: string[];
  /** Arguments running a command as `request.execUser`. */
  execArgsAs?: string[];
  /** Environment of the CLI that runs `execArgs` (DOCKER_HOST, …). */
  cliEnv: Record<string, string>;
}

export interface PgbackrestContainerRequest {
  major: number;
  network: 'host' | 'none';
  readPaths: string[];
  writePaths: string[];
  dir: string;
  execUser?: { uid: number; gid: number; groups: number[] };
}

export type StartPgbackrestContainer = (request: PgbackrestContainerRequest) => Promise<PgbackrestToolContainer>;

/** pgBackRest in a container of the backup's major, with what it needs to read the repository. */
export interface ContainerPgbackrest {
  container: PgbackrestToolContainer;
  /** `pgBackRest 2.55.1 in pgdrill/postgres:17` */
  where: string;
  /** The private directory of pgdrill's user (0700) holding the config file with the secrets and the scripts. */
  dir: string;
  /** `--config=…`: the repository secrets, read by pgBackRest itself from a 0600 file. */
  configFile: string;
  /** The prefix running pgBackRest in the container: file, args, and the CLI's environment. */
  exec: { file: string; args: string[]; env: Record<string, string> };
  /** The same prefix for archive-get, which pgBackRest (2.60) refuses to run as root: as the server's user. */
  execArchiveGet: { file: string; args: string[]; env: Record<string, string> };
}

export interface ContainerPgbackrestInput {
  start: StartPgbackrestContainer;
  major: number;
  target: RestoreTarget;
  /** pgdrill's private directory for this drill's tools (0700). */
  workDir: string;
  /** From pgbackrestEnv: PGBACKREST_* secrets go into the config file, the rest (web identity) into the exec. */
  env: Record<string, string>;
  network: 'host' | 'none';
  readPaths: string[];
}

/**
 * Start the container with the restore's directories at their own paths, the repository and what the store
 * needs read-only. Secrets never reach argv or the container's configuration (`docker inspect`): pgBackRest
 * reads them from a 0600 config file of pgdrill's user, which the container runs as.
 */
export async function startContainerPgbackrest(input: ContainerPgbackrestInput): Promise<ContainerPgbackrest> {
  const dir = await mkdtemp(join(input.workDir, 'pgbackrest-'));
  // As root, pgBackRest restores as root (it reads any repository); archive-get runs as the server's user, in
  // the groups of the repository's files (0640 of another uid, as a containerised pgBackRest leaves them).
  const runAs = process.getuid?.() === 0 ? input.target.runAs : undefined;
  const execUser = runAs && { uid: runAs.uid, gid: runAs.gid, groups: await groupsOf(input.readPaths) };
  if (runAs) await chown(dir, runAs.uid, runAs.gid);
  const configFile = join(dir, 'pgbackrest.conf');
  const secrets = Object.entries(input.env).filter(([k]) => k.startsWith('PGBACKREST_'));
  await writeFile(
    configFile,
    `[global]\n${secrets.map(([k, v]) => `${k.slice('PGBACKREST_'.length).toLowerCase().replace(/_/g, '-')}=${v}\n`).join('')}`,
    { mode: 0o600 },
  );
  if (runAs) await chown(configFile, runAs.uid, runAs.gid);
  const plain = Object.entries(input.env).filter(([k]) => !k.startsWith('PGBACKREST_'));
  const container = await input.start({
    major: input.major,
    network: input.network,
    readPaths: [
      dir,
      ...input.readPaths,
      ...plain.filter(([k]) => k === 'AWS_WEB_IDENTITY_TOKEN_FILE').map(([, v]) => v),
    ],
    writePaths: [input.target.dataDir, input.target.scratchDir],
    dir,
    execUser,
  });
  const envArgs = plain.flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const exec = { file: container.file, args: [...container.execArgs, ...envArgs, 'pgbackrest'], env: container.cliEnv };
  const execArchiveGet = {
    ...exec,
    args: [...(container.execArgsAs ?? container.execArgs), ...envArgs, 'pgbackrest'],
  };
  try {
    const said = await runCommand(exec.file, [...exec.args, 'version'], { env: exec.env }).then(
      (r) => r.stdout.trim(),
      () => undefined,
    );
    const version = said ? parsePgbackrestVersion(said) : undefined;
    if (!said)
      throw new EngineError(
        'PGBACKREST_NOT_IN_IMAGE',
        `restoring a PostgreSQL ${input.major} pgBackRest backup needs pgBackRest in the image ${container.image}, and it has none`,
        {
          hint: `use an image of PostgreSQL ${input.major} with pgBackRest (pgdrill/postgres:${input.major} from scripts/build-images.sh --majors=${input.major}, named in engine.docker.images), or install a pgBackRest ${firstPgbackrestFor(input.major) ?? 'recent enough'} or newer on this machine`,
        },
      );
    if (version && !pgbackrestHandlesMajor(version, input.major))
      throw new EngineError(
        'PGBACKREST_TOO_OLD',
        `${said} in ${container.image} does not restore PostgreSQL ${input.major} (needs ${firstPgbackrestFor(input.major) ?? 'a release that knows it'} or newer)`,
        { hint: `use an image of PostgreSQL ${input.major} with a newer pgBackRest (engine.docker.images)` },
      );
    return { container, where: `${said} in ${container.image}`, dir, configFile, exec, execArchiveGet };
  } catch (error) {
    await container[Symbol.asyncDispose]();
    throw error;
  }
}

/**
 * restore_command for the WAL broker (run on this machine as pgdrill's user): archive-get runs in the
 * container (its async queue's worker lives there too) and writes the segment and its exit code into a
 * directory both share; no exit code means the container could not run it, and that stops recovery (128)
 * instead of passing for "not archived".
 */
export async function containerArchiveGetCommand(
  pgbackrest: ContainerPgbackrest,
  args: string[],
  target: RestoreTarget,
): Promise<string> {
  const out = join(target.scratchDir, 'pgbackrest-wal');
  await mkdir(out, { recursive: true, mode: 0o700 });
  const runAs = process.getuid?.() === 0 ? target.runAs : undefined;
  if (runAs) await chown(out, runAs.uid, runAs.gid);
  const inner = join(pgbackrest.dir, 'archive-get-inner.sh');
  await writeFile(
    inner,
    `set -u\n${['pgbackrest', ...args].map(shellQuote).join(' ')} archive-get "$1" "$2"\necho $? > "$2.rc.tmp" && mv "$2.rc.tmp" "$2.rc"\n`,
    { mode: 0o600 },
  );
  if (runAs) await chown(inner, runAs.uid, runAs.gid);
  const env = Object.entries(pgbackrest.execArchiveGet.env).map(([k, v]) => `export ${k}=${shellQuote(v)}\n`);
  const { execArchiveGet } = pgbackrest;
  const execPrefix = [execArchiveGet.file, ...execArchiveGet.args.slice(0, -1)].map(shellQuote).join(' ');
  const host = join(pgbackrest.dir, 'archive-get.sh');
  await writeFile(
    host,
    `set -u\n${env.join('')}f=$1 p=$2 out=${shellQuote(out)}/$1\nrm -f "$out" "$out.rc"\n${execPrefix} sh ${shellQuote(inner)} "$f" "$out"\n[ -r "$out.rc" ] || exit 128\nrc=$(cat "$out.rc")\nrm -f "$out.rc"\n[ "$rc" = 0 ] || exit "$rc"\nmv "$out" "$p" || exit 128\n`,
    { mode: 0o600 },
  );
  return `sh ${shellQuote(host).replace(/%/g, '%%')} "%f" "%p"`;
}

/** pgBackRest ran as pgdrill's user (it reads a repository of another uid's 0640 files): the server's user gets the files. */
export async function handRestoredFiles(target: RestoreTarget): Promise<void> {
  if (!target.runAs || process.getuid?.() !== 0) return;
  await runCommand('chown', ['-R', `${target.runAs.uid}:${target.runAs.gid}`, target.dataDir]);
  await chown(target.dataDir, target.runAs.uid, target.runAs.gid);
}

/** The groups of the repository's top directories (its files share them), for the server's user to read it. */
async function groupsOf(paths: string[]): Promise<number[]> {
  const gids = new Set<number>();
  for (const path of paths)
    for (const p of [path, join(path, 'archive'), join(path, 'backup')]) {
      const info = await stat(p).catch(() => undefined);
      if (info) gids.add(info.gid);
    }
  return [...gids];
}
