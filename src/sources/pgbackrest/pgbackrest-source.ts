import { CommandError, EngineError, SourceError, StorageError } from '../../errors.js';
import { runCommand } from '../../process/run-command.js';
import { parseSegmentKey } from '../../recovery/wal-segments.js';
import { shellQuote } from '../../util/shell-quote.js';
import {
  joinKey,
  type ArchivedSegment,
  type PhysicalContext,
  type PreparedPhysical,
} from '../physical/physical-source.js';
import {
  joinRepoPath,
  pgbackrestArgs,
  pgbackrestEnv,
  pgbackrestS3KeyType,
  preparePgbackrestDirs,
} from './pgbackrest-args.js';
import { prepareArchiveGetQueue, stopAsyncArchiveGet } from './pgbackrest-async.js';
import {
  containerArchiveGetCommand,
  handRestoredFiles,
  startContainerPgbackrest,
  type ContainerPgbackrest,
  type StartPgbackrestContainer,
} from './pgbackrest-container.js';
import { pgbackrestPlacement } from './pgbackrest-support.js';
import type { RestoreTarget } from '../../engines/engine.js';
import type { ToolAccess } from '../physical/physical-source.js';
import type { PgbackrestOptions } from './pgbackrest-options.js';

export interface InfoBackup {
  label: string;
  type: string;
  timestamp: { start: number; stop: number };
  archive: { start: string; stop: string };
  database: { id: number };
  info?: { size?: number; repository?: { size?: number } };
  lsn?: { start: string; stop: string };
  backrest?: { version?: string };
}
export interface InfoStanza {
  name: string;
  status: { code: number; message: string };
  repo?: Array<{ key: number; status: { code: number; message: string } }>;
  backup: InfoBackup[];
  db: Array<{ id: number; version: string }>;
  archive: Array<{ id: string; database: { id: number } }>;
}

/** List the repository with `pgbackrest info`, pick the set, and describe how to restore it. */
export async function preparePgbackrest(
  ctx: PhysicalContext & {
    options: PgbackrestOptions;
    /** The docker engine's container of a major's image, for a backup this machine's pgBackRest cannot restore. */
    startContainer?: StartPgbackrestContainer;
  },
): Promise<PreparedPhysical> {
  const { options } = ctx;
  const env = pgbackrestEnv(ctx.env, options);
  const s3KeyType = pgbackrestS3KeyType(ctx.storeConfig, ctx.env);
  const where = `pgBackRest stanza ${options.stanza} in ${ctx.store.description}${options.path}`;
  await preparePgbackrestDirs(ctx.workDir);
  const info = await runPgbackrest(
    [...pgbackrestArgs(ctx.storeConfig, options, { lock: ctx.workDir, s3KeyType }), '--output=json', 'info'],
    env,
    where,
  );
  // pgBackRest copies undecryptable bytes into its JSON verbatim (invalid JSON); they only matter as text.
  const stanza = (JSON.parse(info.trim().replace(/[\u0000-\u001f\u007f]/g, '?')) as InfoStanza[]).find(
    (s) => s.name === options.stanza,
  );
  const repoProblems = (stanza?.repo ?? [])
    .filter((r) => r.status.code !== 0)
    .map((r) => `repo${r.key}: ${printable(r.status.message)}`);
  // Status 99 with a TLS, connection or timeout message: pgBackRest could not read the repository at all.
  if (
    stanza?.status.code === 99 &&
    repoProblems.some((m) => /CryptoError|HostConnectError|timeout|SocketError|TlsError/i.test(m))
  )
    throw new StorageError('STORAGE_UNREACHABLE', `pgBackRest could not read ${where}`, {
      details: repoProblems,
      hint: /hostname .* in certificate/.test(repoProblems.join())
        ? 'pgBackRest verifies certificates by DNS name: use a DNS name in the endpoint, or verifyTls: false for a test server'
        : 'check the endpoint, TLS settings and credentials of the store',
    });
  // Temporary credentials (repo1-s3-key-type auto or web-id) that pgBackRest could not get: the world's fault, not the backup's.
  if (
    s3KeyType &&
    s3KeyType !== 'shared' &&
    stanza?.status.code === 99 &&
    repoProblems.some((m) => /security-credentials|sts\.amazonaws|WebIdentity|AWS_ROLE_ARN/i.test(m))
  )
    throw new StorageError(
      'STORAGE_ACCESS_DENIED',
      `pgBackRest could not get ${s3KeyType === 'web-id' ? 'web identity' : 'instance role'} credentials (repo1-s3-key-type=${s3KeyType}) for ${where}`,
      {
        details: repoProblems,
        hint:
          s3KeyType === 'web-id'
            ? 'check AWS_ROLE_ARN, that AWS_WEB_IDENTITY_TOKEN_FILE is readable, and that STS is reachable'
            : 'run where an instance role is attached (EC2 metadata service), or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_ROLE_ARN/AWS_WEB_IDENTITY_TOKEN_FILE',
      },
    );
  // An encrypted repository read with the wrong pass decrypts to garbage: pgBackRest reports a FormatError.
  if (
    options.cipherPassEnv &&
    stanza?.status.code === 99 &&
    repoProblems.some((m) => /FormatError|CryptoError|decrypt/i.test(m))
  )
    throw new SourceError(
      'DECRYPT_FAILED',
      `pgBackRest could not decrypt ${where} with the pass in ${options.cipherPassEnv}`,
      {
        details: repoProblems,
        hint: `the cipher pass in ${options.cipherPassEnv} is wrong, or the repository is not encrypted with aes-256-cbc`,
      },
    );
  if (!stanza || (stanza.backup ?? []).length === 0)
    throw new SourceError(
      'BACKUP_NOT_FOUND',
      `${where} has no readable backup${stanza ? ` (status: ${stanza.status.message})` : ''}`,
      {
        details: repoProblems,
        hint: 'check the store, path and stanza; `pgbackrest info` on the database host lists what exists',
      },
    );
  const backup = options.set === 'latest' ? stanza.backup.at(-1)! : stanza.backup.find((b) => b.label === options.set);
  if (!backup)
    throw new SourceError('BACKUP_NOT_FOUND', `${where} has no backup set ${options.set}`, {
      details: stanza.backup.map((b) => `${b.label} (${b.type})`),
      hint: 'use one of the labels above, or set: latest',
    });
  const db = stanza.db.find((d) => d.id === backup.database.id);
  const archiveId = stanza.archive.find((a) => a.database.id === backup.database.id)?.id;
  const archivePrefix = `${joinKey(options.path, 'archive', options.stanza, archiveId)}/`;
  const archive: ArchivedSegment[] = (await ctx.store.list(archivePrefix, { signal: ctx.signal })).flatMap((o) => {
    const segment = parseSegmentKey(o.key);
    return segment ? [{ ...segment, lastModified: o.lastModified }] : [];
  });
  const lockDirs = new Set<string>();
  const args = (lock: string, caBundle?: string, config?: string) =>
    pgbackrestArgs(ctx.storeConfig, options, { lock, caBundle, s3KeyType, config });
  const major = db ? Number(db.version) : undefined;
  // info reads any major's repository; restore and archive-get need a pgBackRest that knows the major.
  const placement = await pgbackrestPlacement(major, ctx.startContainer !== undefined, where);
  let container: Promise<ContainerPgbackrest> | undefined;
  const inContainer = (target: RestoreTarget) =>
    (container ??= startContainerPgbackrest({
      start: ctx.startContainer!,
      major: major!,
      target,
      workDir: ctx.workDir,
      env,
      network: 's3' in ctx.storeConfig ? 'host' : 'none',
      readPaths: 'filesystem' in ctx.storeConfig ? [joinRepoPath(ctx.storeConfig.filesystem.root, options.path)] : [],
    }));
  const containerArgs = async (target: RestoreTarget, access: ToolAccess) => {
    const c = await inContainer(target);
    return { c, args: args(target.scratchDir, access.caBundle, c.configFile) };
  };
  const provenance: PreparedPhysical['provenance'] = {
    store: ctx.store.description,
    key: `${options.path} stanza ${options.stanza} set ${backup.label}`,
    backupId: backup.label,
    backupType: backup.type,
    size: backup.info?.repository?.size,
    databaseSize: backup.info?.size,
    startedAt: new Date(backup.timestamp.start * 1000).toISOString(),
    lastModified: new Date(backup.timestamp.stop * 1000).toISOString(),
    walStart: backup.archive.start,
    walStop: backup.archive.stop,
    format: 'pgbackrest',
    producedBy: backup.backrest?.version ? `pgBackRest ${backup.backrest.version}` : undefined,
  };
  return {
    major,
    provenance,
    startSegment: parseSegmentKey(backup.archive.start),
    archive,
    // In a container, pgBackRest reads the secrets from its own config file: the server's command needs none.
    serverEnv: () => (placement === 'host' ? env : {}),
    async restoreCommand(target, access) {
      const queue = options.prefetch > 0 ? await prepareArchiveGetQueue(target, options.prefetch) : [];
      if (placement === 'container') {
        const { c, args: common } = await containerArgs(target, access);
        return containerArchiveGetCommand(c, [...common, ...queue, `--pg1-path=${target.dataDir}`], target);
      }
      lockDirs.add(target.scratchDir);
      return [
        'pgbackrest',
        ...args(target.scratchDir, access.caBundle),
        ...queue,
        `--pg1-path=${target.dataDir}`,
        'archive-get',
        '%f',
        '"%p"',
      ]
        .map((a) => (a === '"%p"' ? a : shellQuote(a)))
        .join(' ');
    },
    // archive-get's queue is filled by a detached pgBackRest process: it must not outlive the drill.
    // In a container, removing it stops the worker with it.
    close: async () => {
      for (const dir of lockDirs) await stopAsyncArchiveGet(dir);
      const started = await container?.catch(() => undefined);
      await started?.container[Symbol.asyncDispose]();
    },
    async restore(target, access) {
      await preparePgbackrestDirs(target.scratchDir, target.runAs);
      if (placement === 'container') {
        const { c, args: common } = await containerArgs(target, access);
        provenance.restoredWith = c.where;
        await runPgbackrest(
          [...common, `--pg1-path=${target.dataDir}`, `--set=${backup.label}`, 'restore'],
          env,
          where,
          undefined,
          c.exec,
        );
        await handRestoredFiles(target);
        return;
      }
      await runPgbackrest(
        [
          ...args(target.scratchDir, access.caBundle),
          `--pg1-path=${target.dataDir}`,
          `--set=${backup.label}`,
          'restore',
        ],
        env,
        where,
        target.runAs,
      );
    },
  };
}

/** Run pgbackrest and map its error codes: 95 crypto and 55 missing file are the backup's fault. */
export async function runPgbackrest(
  args: string[],
  env: Record<string, string>,
  where: string,
  runAs?: { uid: number; gid: number },
  /** Run through this prefix (`docker exec … pgbackrest`) with its own environment; `env` is then only redacted. */
  via?: { file: string; args: string[]; env: Record<string, string> },
): Promise<string> {
  try {
    const secrets = Object.values(env);
    if (via) return (await runCommand(via.file, [...via.args, ...args], { env: via.env, secrets })).stdout;
    return (await runCommand('pgbackrest', args, { env, uid: runAs?.uid, gid: runAs?.gid, secrets })).stdout;
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    const said = error.stderrTail.join('\n');
    // No pgBackRest error code at all from `docker exec`: the container, not the backup, failed.
    if (via && !/\[\d{3}\]/.test(said))
      throw new EngineError(
        'DOCKER_TOOL_CONTAINER_FAILED',
        `pgbackrest ${args.at(-1)} could not run in its container for ${where} (${via.file} exited ${error.exitCode})`,
        {
          cause: error,
          details: error.stderrTail,
          hint: 'check that the Docker engine answers; the container is removed with the drill',
        },
      );
    const code = Number(/\[(\d{3})\]/.exec(said)?.[1] ?? error.exitCode);
    const message = `pgbackrest ${args.at(-1)} failed for ${where} (pgBackRest error ${code})`;
    const options = { cause: error, details: error.stderrTail };
    if (code === 95)
      throw new SourceError('DECRYPT_FAILED', message, {
        ...options,
        hint: 'the repository cipher pass is wrong (cipherPassEnv), or the repository is not encrypted',
      });
    if (code === 55 || code === 61 || code === 62 || code === 28 || code === 29)
      throw new SourceError('REPOSITORY_DAMAGED', message, {
        ...options,
        hint: 'a file of the repository is missing or damaged: run `pgbackrest verify` on the repository host',
      });
    if (code === 39 || code === 41 || code === 49 || code === 104)
      throw new StorageError('STORAGE_UNREACHABLE', message, {
        ...options,
        hint: 'check the endpoint, TLS settings and credentials of the store',
      });
    throw new SourceError('PGBACKREST_FAILED', message, { ...options, hint: 'see the pgBackRest messages above' });
  }
}

/** pgBackRest quotes undecryptable bytes in its messages: keep them readable and short. */
export function printable(text: string): string {
  const clean = text
    .replace(/[^\x20-\x7e\n]/g, '?')
    .split('\n')
    .filter((l) => !/^FormatError: key\/value found outside/.test(l))
    .join(' ');
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}
