import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../process/run-command.js';
import { runAs, type OsUser } from './os-user.js';
import { renderHbaConf, SERVER_ROLE } from './server-config.js';
import { chownTo, type ServerFiles } from './server-files.js';

export interface InitClusterInput {
  binDir: string;
  files: ServerFiles;
  user: OsUser | undefined;
  password: string;
  signal?: AbortSignal;
}

/**
 * initdb a fresh cluster whose only role is pgdrill with `password`, and replace its pg_hba.conf.
 * Returns postgresql.conf as initdb wrote it, so each start attempt can append its own settings block.
 */
export async function initCluster(input: InitClusterInput): Promise<string> {
  const { files, user, password } = input;
  // The password reaches initdb through a 0600 file that lives only as long as initdb runs.
  await writeFile(files.pwfilePath, `${password}\n`, { mode: 0o600 });
  try {
    await chownTo(files.pwfilePath, user);
    await runCommand(
      join(input.binDir, 'initdb'),
      [
        '-D',
        files.dataDir,
        `--username=${SERVER_ROLE}`,
        `--pwfile=${files.pwfilePath}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
      ],
      {
        ...runAs(user),
        cwd: '/',
        signal: input.signal,
        secrets: [password],
        timeoutMs: 120_000,
        errorCode: 'INITDB_FAILED',
      },
    );
  } finally {
    await rm(files.pwfilePath, { force: true });
  }
  const hbaPath = join(files.dataDir, 'pg_hba.conf');
  await writeFile(hbaPath, renderHbaConf(), { mode: 0o600 });
  await chownTo(hbaPath, user);
  return readFile(join(files.dataDir, 'postgresql.conf'), 'utf8');
}
