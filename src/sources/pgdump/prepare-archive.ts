import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { ConfigError, SourceError, isDrillError, type DrillError } from '../../errors.js';
import type { BackupProvenance } from '../../results.js';
import type { ResolvedPgdumpSource } from '../../suite/resolved-suite.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { openArchive, type OpenArchiveOptions } from './archive-stream.js';
import { downloadDecoded, downloadDirectory } from './download-archive.js';
import { findArchive, type FoundArchive } from './find-archive.js';
import { inspectArchive, type PgRestoreFor } from './inspect-archive.js';
import type { ArchiveOptions } from './pgdump-options.js';
import type { SchemaFacts } from './schema-facts.js';
import type { DumpFormat } from './sniff-format.js';
import { needsTimescale, readDumpedTimescaleVersion } from './timescale-restore.js';

export interface PgdumpContext {
  source: ResolvedPgdumpSource;
  store: ObjectStore;
  /** Private (0700) directory of this drill for downloads; deleted with the drill. */
  workDir: string;
  /** A pg_restore able to read an archive's table of contents (of its pg_dump's major) before a server is chosen. */
  pgRestore: PgRestoreFor;
  cores: number;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  onBytes?: (bytes: number, total: number) => void;
  onItem?: (line: string) => void;
  /** Called once the archive is found (its size known) and before any of it is read or downloaded. */
  beforeFetch?: (found: FoundArchive, options: ArchiveOptions, index: number) => Promise<void>;
}

export interface PreparedArchive {
  options: ArchiveOptions;
  found: FoundArchive;
  format: DumpFormat;
  facts: SchemaFacts;
  jobs: number;
  /** A local copy or the file in place (parallel restore, directory format); undefined when streamed. */
  localPath?: string;
  /** `localPath` is the stored file or directory itself: it must be unchanged when its restore ends. */
  inPlace: boolean;
  provenance: BackupProvenance;
  /** The major of the pg_dump that wrote it (archive header): its restore needs that pg_restore or newer. */
  dumpMajor?: number;
  /** The timescaledb version recorded in the dump (set by `rest.before`), when the archive uses TimescaleDB. */
  timescaleVersion?: string;
  /** The reading left once the table of contents is known; it runs while the server starts. */
  rest: ArchiveRest;
}

/** Work on an archive after its table of contents was read, each part run once with the signal that stops it. */
export interface ArchiveRest {
  /** Must end before the archive is restored: its download, the dumped TimescaleDB version. */
  before?: (signal?: AbortSignal) => Promise<void>;
  /** May run alongside its restore and must end before the restore counts: the SHA-256 of a file read in place. */
  alongside?: (signal?: AbortSignal) => Promise<void>;
}

/**
 * Find one archive and read its table of contents (from its first bytes, or a directory dump's toc.dat):
 * enough to choose and start the server. What parallel restore needs on local disk (a download, or the SHA-256
 * of a plain archive used in place) is left in `rest`, to run while the server starts.
 */
export async function prepareArchive(
  ctx: PgdumpContext,
  options: ArchiveOptions,
  index: number,
): Promise<PreparedArchive> {
  const found = await findArchive(ctx.store, options, ctx.signal);
  await ctx.beforeFetch?.(found, options, index);
  const what = `${ctx.store.description}/${found.key}`;
  const provenance: BackupProvenance = {
    store: ctx.store.description,
    key: found.key,
    size: found.size,
    etag: found.etag,
    lastModified: found.lastModified.toISOString(),
    readRetries: 0,
  };
  const streamOptions = (signal = ctx.signal) =>
    openOptions({ ...ctx, signal }, options, found.key, found.size, provenance);
  let format: DumpFormat;
  let localPath: string | undefined;
  let facts: SchemaFacts;
  let dumpMajor: number | undefined;
  const rest: ArchiveRest = {};
  const inPlace =
    !options.decrypt && options.compression !== 'gzip' && options.compression !== 'zstd'
      ? ctx.store.localPath?.(found.key)
      : undefined;
  if (found.files) {
    localPath = inPlace ?? join(ctx.workDir, `archive-${index}.dir`);
    if (!inPlace) {
      // toc.dat first: the table of contents chooses the server; the data files download while it starts.
      const toc = found.files.filter((f) => f.key === `${found.key}/toc.dat`);
      const data = found.files.filter((f) => f.key !== `${found.key}/toc.dat`);
      const tocBytes = toc.reduce((sum, f) => sum + f.size, 0);
      const target = localPath;
      await mkdir(target, { mode: 0o700 });
      const { readRetries } = await downloadDirectory(ctx.store, { ...found, files: toc }, target, {
        signal: ctx.signal,
        onBytes: (b) => ctx.onBytes?.(b, found.size),
      });
      provenance.readRetries = readRetries;
      rest.before = async (signal) => {
        const more = await downloadDirectory(ctx.store, { ...found, files: data }, target, {
          signal,
          onBytes: (b) => ctx.onBytes?.(tocBytes + b, found.size),
        });
        provenance.readRetries = (provenance.readRetries ?? 0) + more.readRetries;
      };
    }
    ({ format, facts, dumpMajor } = await inspectArchive({
      pgRestore: ctx.pgRestore,
      input: { path: localPath, format: 'directory' },
      what,
    }));
  } else {
    const peek = await openArchive(streamOptions());
    try {
      ({ format, facts, dumpMajor } = await inspectArchive({
        pgRestore: ctx.pgRestore,
        input: { stream: peek.stream },
        what,
      }));
    } catch (error) {
      throw (
        peek.failure() ??
        (options.decrypt && isDrillError(error) && error.code === 'ARCHIVE_UNREADABLE'
          ? wrongKey(what, options, error)
          : error)
      );
    }
    provenance.compression = peek.compression;
    const readFormat = format;
    if (jobsFor(ctx, format) > 1 && inPlace && peek.compression === 'none') {
      // A plain archive on local disk is restored where it is (never copied or written). Its SHA-256 is taken
      // while the server starts and pg_restore runs (the file then comes from the page cache); the restore
      // counts only once the hash is taken and the file is unchanged after it (size and mtime as listed).
      localPath = inPlace;
      rest.alongside = async (signal) => {
        const full = await openArchive(streamOptions(signal));
        await finished(full.stream.resume()).catch((error: unknown) => {
          throw full.failure() ?? error;
        });
        Object.assign(provenance, verifyDigest(full.requireWhole(readFormat), options, what));
      };
    } else if (jobsFor(ctx, format) > 1) {
      // Downloaded (and hashed on the way) while the server starts.
      const target = join(ctx.workDir, `archive-${index}.dump`);
      localPath = target;
      rest.before = async (signal) => {
        const full = await openArchive(streamOptions(signal));
        await downloadDecoded(full, target, signal);
        Object.assign(provenance, verifyDigest(full.requireWhole(readFormat), options, what));
      };
    }
  }
  provenance.format = format;
  if (facts.pgDumpVersion) provenance.producedBy = `pg_dump ${facts.pgDumpVersion}`;
  if (facts.sourceVersion) provenance.sourceServer = `PostgreSQL ${facts.sourceVersion}`;
  const prepared: PreparedArchive = {
    options,
    found,
    format,
    facts,
    jobs: jobsFor(ctx, format),
    localPath,
    inPlace: localPath !== undefined && localPath === inPlace,
    provenance,
    dumpMajor,
    rest,
  };
  if (needsTimescale(facts)) {
    const fetch = rest.before;
    rest.before = async (signal) => {
      await fetch?.(signal);
      prepared.timescaleVersion = await readDumpedTimescaleVersion({
        pgRestore: await ctx.pgRestore(dumpMajor, localPath ? [localPath] : []),
        format: prepared.format,
        input: localPath ? { path: localPath } : { stream: (await openArchive(streamOptions(signal))).stream },
        signal,
      });
    };
  }
  return prepared;
}

export function jobsFor(ctx: PgdumpContext, format: DumpFormat): number {
  const jobs = ctx.source.options.jobs;
  if (format === 'tar' || format === 'plain') return 1;
  return jobs === 'auto' ? Math.max(1, ctx.cores) : jobs;
}

/** `provenance.readRetries` counts the resumed reads of every pass over the object (peek, download, restore). */
export function openOptions(
  ctx: PgdumpContext,
  options: ArchiveOptions,
  key: string,
  size: number,
  provenance: BackupProvenance,
): OpenArchiveOptions {
  let decrypt: OpenArchiveOptions['decrypt'];
  if (options.decrypt) {
    const passphrase = ctx.env[options.decrypt.keyEnv];
    if (!passphrase)
      throw new ConfigError(
        'DECRYPT_KEY_NOT_SET',
        `environment variable ${options.decrypt.keyEnv} (the decryption key of ${key}) is not set`,
        {
          hint: `export ${options.decrypt.keyEnv} in the environment that runs pgdrill (a CI secret)`,
        },
      );
    decrypt = {
      cipher: options.decrypt.openssl,
      passphrase,
      pbkdf2: options.decrypt.pbkdf2,
      iterations: options.decrypt.iterations,
      digest: options.decrypt.digest,
    };
  }
  return {
    store: ctx.store,
    key,
    decrypt,
    compression: options.compression,
    signal: ctx.signal,
    size,
    onBytes: (b) => ctx.onBytes?.(b, size),
    onResume: () => void (provenance.readRetries = (provenance.readRetries ?? 0) + 1),
  };
}

export function verifyDigest(
  stored: { sha256: string; bytes: number },
  options: ArchiveOptions,
  what: string,
): Partial<BackupProvenance> {
  if (options.sha256 && options.sha256.toLowerCase() !== stored.sha256)
    throw new SourceError(
      'CHECKSUM_MISMATCH',
      `${what} has SHA-256 ${stored.sha256}, expected ${options.sha256.toLowerCase()} (${stored.bytes} bytes read)`,
      {
        hint: 'the stored object changed or is damaged; compare it with the checksum recorded when the backup was taken',
      },
    );
  return { sha256: stored.sha256 };
}

// With the right key, decryption yields a compressed stream or an archive; anything else means the key
// (or the openssl options) differ from the ones the backup was encrypted with.
function wrongKey(what: string, options: ArchiveOptions, cause: DrillError): SourceError {
  const d = options.decrypt!;
  return new SourceError(
    'DECRYPT_FAILED',
    `decrypting ${what} with ${d.openssl}${d.pbkdf2 ? ` -pbkdf2 -iter ${d.iterations}` : ''} -md ${d.digest} gave neither a compressed stream nor a pg_dump archive`,
    {
      cause,
      hint: `the key in ${d.keyEnv} is wrong, or the archive was encrypted with other openssl options (cipher, -pbkdf2, -iter, -md)`,
    },
  );
}
