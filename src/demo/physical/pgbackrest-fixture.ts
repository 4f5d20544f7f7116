import { chown, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DrillError } from '../../errors.js';
import { runCommand } from '../../process/run-command.js';
import type { StartedLocalServer } from '../../engines/local/started-local-server.js';
import type { EmbeddedS3 } from '../embedded-s3.js';
import { createFixtureWorkspace, shellQuote } from './fixture-workspace.js';
import { writeHistory, type PhysicalHistory } from './history.js';
import { describeRepo, renderPgbackrestConfig, repoEnv, type PgbackrestRepo } from './pgbackrest-repo.js';
import { countOrders, startArchivingServer } from './source-server.js';
import type { WalArchiveLocation } from './archived-wal.js';

export interface PgbackrestFixtureOptions {
  s3: EmbeddedS3;
  /** An existing bucket of `s3`. */
  bucket: string;
  /** The fixture's directory is created below it (0711 as root); the caller removes it. */
  workDir: string;
  /** Encrypt the repository (repo1-cipher-type=aes-256-cbc) with this passphrase. @default unencrypted */
  cipherPass?: string;
}

export interface PgbackrestBackup {
  label: string;
  type: 'full' | 'diff' | 'incr';
  /** ISO times from `pgbackrest info`. */
  startTime: string;
  stopTime: string;
  walStart: string;
  walStop: string;
}

export interface PgbackrestFixture {
  kind: 'pgbackrest';
  repo: PgbackrestRepo;
  /** Oldest first: the full, then the incremental taken after the history. */
  backups: PgbackrestBackup[];
  full: string;
  incr: string;
  history: PhysicalHistory;
  /** Where archive-push put the WAL (`archive/main/…` in the repository). */
  wal: WalArchiveLocation;
}

/** stanza-create, check, a full backup, the history, an incremental: a real pgBackRest repository on `s3`. */
export async function makePgbackrestFixture(options: PgbackrestFixtureOptions): Promise<PgbackrestFixture> {
  const { s3, bucket } = options;
  const repo = describeRepo(s3, bucket, options.cipherPass);
  await using ws = await createFixtureWorkspace(options.workDir, 'pgbackrest');
  const conf = join(ws.tools.config, 'pgbackrest.conf');
  const env = { ...repoEnv(repo, s3), HOME: ws.tools.home };
  const wrapper = await ws.writeEnvWrapper(env);
  const archiveCommand = `${shellQuote(wrapper)} pgbackrest --config=${shellQuote(conf)} --stanza=${repo.stanza} archive-push %p`;
  const pgbackrest = (server: StartedLocalServer, args: string[]) =>
    runCommand('pgbackrest', [`--config=${conf}`, `--stanza=${repo.stanza}`, ...args], {
      ...ws.runAs,
      cwd: ws.tools.home,
      env: { ...env, PGHOST: '127.0.0.1', PGPASSWORD: server.connection.password, PGSSLMODE: 'disable' },
      secrets: [server.connection.password, ...(repo.cipherPass ? [repo.cipherPass] : [])],
      errorCode: 'FIXTURE_PGBACKREST_FAILED',
      timeoutMs: 300_000,
    });
  // Before the first segment is archived: archive-push resolves %p against pg1-path and needs the stanza.
  await using server = await startArchivingServer(ws.dir, archiveCommand, async (started) => {
    const { dataDir, connection } = started;
    await writeFile(
      conf,
      renderPgbackrestConfig({ repo, tools: ws.tools, dataDir, pgPort: connection.port, pgUser: connection.user }),
      { mode: 0o600 },
    );
    if (ws.user) await chown(conf, ws.user.uid, ws.user.gid);
    await pgbackrest(started, ['stanza-create']);
  });
  await pgbackrest(server, ['check']);
  const rowsAtBackup = await countOrders(server);
  await pgbackrest(server, ['--type=full', 'backup']);
  const history = await writeHistory(server, rowsAtBackup);
  await pgbackrest(server, ['--type=incr', 'backup']);
  const backups = parseInfo((await pgbackrest(server, ['--output=json', 'info'])).stdout);
  const full = backups.find((b) => b.type === 'full');
  const incr = backups.find((b) => b.type === 'incr');
  if (!full || !incr)
    throw new DrillError(
      'FIXTURE_PGBACKREST_INFO',
      `pgbackrest info lists ${backups.map((b) => `${b.label} (${b.type})`).join(', ') || 'no backups'}; expected a full and an incr`,
    );
  return {
    kind: 'pgbackrest',
    repo,
    backups,
    full: full.label,
    incr: incr.label,
    history,
    wal: { bucket, prefix: `${repo.path.slice(1)}/archive/${repo.stanza}/` },
  };
}

interface InfoJson {
  backup?: {
    label: string;
    type: PgbackrestBackup['type'];
    timestamp: { start: number; stop: number };
    archive: { start: string; stop: string };
  }[];
}

function parseInfo(stdout: string): PgbackrestBackup[] {
  const [stanza] = JSON.parse(stdout) as InfoJson[];
  return (stanza?.backup ?? []).map((b) => ({
    label: b.label,
    type: b.type,
    startTime: new Date(b.timestamp.start * 1000).toISOString(),
    stopTime: new Date(b.timestamp.stop * 1000).toISOString(),
    walStart: b.archive.start,
    walStop: b.archive.stop,
  }));
}
