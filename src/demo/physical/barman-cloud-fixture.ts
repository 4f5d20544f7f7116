import { DrillError } from '../../errors.js';
import { runCommand } from '../../process/run-command.js';
import type { EmbeddedS3 } from '../embedded-s3.js';
import type { WalArchiveLocation } from './archived-wal.js';
import { createFixtureWorkspace, shellQuote } from './fixture-workspace.js';
import { writeHistory, type PhysicalHistory } from './history.js';
import { countOrders, startArchivingServer } from './source-server.js';

export interface BarmanCloudFixtureOptions {
  s3: EmbeddedS3;
  /** An existing bucket of `s3`. */
  bucket: string;
  /** The fixture's directory is created below it (0711 as root); the caller removes it. */
  workDir: string;
  /** barman's server name (CloudNativePG: the cluster name). @default 'shop-db' */
  serverName?: string;
}

export interface BarmanCloudFixture {
  kind: 'barman-cloud';
  bucket: string;
  /** `s3://<bucket>/barman`: the destination_url/source_url of every barman-cloud command. */
  url: string;
  endpoint: string;
  serverName: string;
  /** The one backup (barman-cloud-backup-list has no `latest` alias in 3.4). */
  backupId: string;
  /** The raw entry of `barman-cloud-backup-list --format json` for it. */
  backup: Record<string, unknown>;
  history: PhysicalHistory;
  /** `barman/<server>/wals/`. */
  wal: WalArchiveLocation;
}

/** barman-cloud-wal-archive in archive_command, one barman-cloud-backup, then the history. */
export async function makeBarmanCloudFixture(options: BarmanCloudFixtureOptions): Promise<BarmanCloudFixture> {
  const { s3, bucket } = options;
  const serverName = options.serverName ?? 'shop-db';
  const url = `s3://${bucket}/barman`;
  const cloud = ['--cloud-provider', 'aws-s3', '--endpoint-url', s3.endpoint];
  await using ws = await createFixtureWorkspace(options.workDir, 'barman-cloud');
  // s3.caPath sits in the S3 server's 0700 dir, which the server's OS user cannot read.
  const env = { ...s3.env(), AWS_CA_BUNDLE: await ws.copyToConfig(s3.caPath, 's3-ca.pem'), HOME: ws.tools.home };
  const wrapper = await ws.writeEnvWrapper(env);
  const archiveCommand = [shellQuote(wrapper), 'barman-cloud-wal-archive', ...cloud, url, serverName, '%p'].join(' ');
  await using server = await startArchivingServer(ws.dir, archiveCommand);
  const { host, port, user, password } = server.connection;

  const barman = (tool: string, args: string[], extraEnv: Record<string, string> = {}) =>
    runCommand(tool, [...cloud, ...args], {
      ...ws.runAs,
      cwd: ws.tools.home,
      env: { ...env, ...extraEnv },
      secrets: [password],
      errorCode: 'FIXTURE_BARMAN_CLOUD_FAILED',
      timeoutMs: 300_000,
    });
  const rowsAtBackup = await countOrders(server);
  // Reads the data directory itself, so it runs as the server's OS user.
  await barman(
    'barman-cloud-backup',
    ['--immediate-checkpoint', '-h', host, '-p', String(port), '-U', user, '-d', 'postgres', url, serverName],
    {
      PGPASSWORD: password,
      PGSSLMODE: 'disable',
    },
  );
  const history = await writeHistory(server, rowsAtBackup);
  const listed = JSON.parse(
    (await barman('barman-cloud-backup-list', ['--format', 'json', url, serverName])).stdout,
  ) as { backups_list?: Record<string, unknown>[] };
  const backups = listed.backups_list ?? [];
  const backup = backups[0];
  if (backups.length !== 1 || typeof backup?.backup_id !== 'string') {
    throw new DrillError(
      'FIXTURE_BARMAN_CLOUD_LIST',
      `barman-cloud-backup-list shows ${backups.length} backups for ${serverName} at ${url}; expected exactly one`,
    );
  }
  return {
    kind: 'barman-cloud',
    bucket,
    url,
    endpoint: s3.endpoint,
    serverName,
    backupId: backup.backup_id,
    backup,
    history,
    wal: { bucket, prefix: `barman/${serverName}/wals/` },
  };
}
