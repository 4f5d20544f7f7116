import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EmbeddedS3 } from '../embedded-s3.js';
import type { DirWalLocation, S3WalLocation } from './archived-wal.js';
import { createFixtureWorkspace, shellQuote } from './fixture-workspace.js';
import { backupWalStart, verifyUploaded, waitForCompleteArchive } from './complete-archive.js';
import { writeHistory, type PhysicalHistory } from './history.js';
import { countOrders, runBaseBackup, startArchivingServer } from './source-server.js';

export interface BaseBackupFixtureOptions {
  s3: EmbeddedS3;
  /** An existing bucket of `s3`. */
  bucket: string;
  /** The fixture's directory is created below it (0711 as root) and keeps the local copies; the caller removes it. */
  workDir: string;
}

export interface BaseBackupFixture {
  kind: 'basebackup';
  /** `YYYYMMDDTHHMMSSZ` of the tar backup's start; also its pg_basebackup --label. */
  label: string;
  bucket: string;
  /** `basebackup/<label>/`: base.tar.gz, pg_wal.tar.gz, backup_manifest. */
  prefix: string;
  /** Object names under `prefix` (as in `tarDir`). */
  files: string[];
  /** The local `-Ft -z` output. */
  tarDir: string;
  /** A plain-directory (`-Fp -X fetch`) backup taken right after the tar one, kept locally only. */
  plainDir: string;
  /** The archive as `cp %p <dir>/%f` and `gzip -c %p > <dir>/%f.gz` wrote it, locally and uploaded. */
  wal: { s3: S3WalLocation; s3Gz: S3WalLocation; dir: DirWalLocation; dirGz: DirWalLocation };
  history: PhysicalHistory;
}

/** pg_basebackup (tar+gzip and plain) of a server archiving with cp/gzip, then the history, then the upload. */
export async function makeBaseBackupFixture(options: BaseBackupFixtureOptions): Promise<BaseBackupFixture> {
  const { s3, bucket } = options;
  await using ws = await createFixtureWorkspace(options.workDir, 'basebackup');
  const walDir = await ws.makeOwnedDir(join(ws.dir, 'wal'));
  const walGzDir = await ws.makeOwnedDir(join(ws.dir, 'wal-gz'));
  const archiveCommand = `cp %p ${shellQuote(walDir)}/%f && gzip -c %p > ${shellQuote(walGzDir)}/%f.gz`;
  const label = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const tarDir = join(ws.dir, 'basebackup-tar');
  const plainDir = join(ws.dir, 'basebackup-plain');
  let history: PhysicalHistory;
  {
    await using server = await startArchivingServer(ws.dir, archiveCommand);
    const rowsAtBackup = await countOrders(server);
    // -X stream: with -X fetch a tar backup carries its WAL inside base.tar, and there is no pg_wal.tar.gz.
    await runBaseBackup(server, ['-D', tarDir, '-Ft', '-z', '-X', 'stream', '-l', label]);
    await runBaseBackup(server, ['-D', plainDir, '-Fp', '-X', 'fetch', '-l', `${label}-plain`]);
    history = await writeHistory(server, rowsAtBackup);
  } // stopped: the archive directories no longer change
  // Every segment from the backup's start to the last one archived is there, whole, before it is uploaded.
  const start = await backupWalStart(tarDir);
  const complete = { fromLsn: start.lsn, timeline: start.timeline, last: history.lastArchivedWal };
  await waitForCompleteArchive({ dir: walDir, suffix: '', ...complete });
  await waitForCompleteArchive({ dir: walGzDir, suffix: '.gz', ...complete });
  const prefix = `basebackup/${label}/`;
  const files = (await readdir(tarDir)).sort();
  for (const file of files) await s3.putFile(bucket, prefix + file, join(tarDir, file));
  await verifyUploaded(s3, bucket, prefix, tarDir, files);
  await uploadDir(s3, bucket, walDir, 'wal/');
  await uploadDir(s3, bucket, walGzDir, 'wal-gz/');
  return {
    kind: 'basebackup',
    label,
    bucket,
    prefix,
    files,
    tarDir,
    plainDir,
    wal: {
      s3: { bucket, prefix: 'wal/' },
      s3Gz: { bucket, prefix: 'wal-gz/' },
      dir: { dir: walDir },
      dirGz: { dir: walGzDir },
    },
    history,
  };
}

async function uploadDir(s3: EmbeddedS3, bucket: string, dir: string, prefix: string): Promise<void> {
  const names = (await readdir(dir)).sort();
  for (const name of names) await s3.putFile(bucket, prefix + name, join(dir, name));
  await verifyUploaded(s3, bucket, prefix, dir, names);
}
