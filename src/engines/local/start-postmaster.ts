import { readFileSync } from 'node:fs';
import { open, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addToOwnerRecord } from '../../lifecycle/owner-record.js';
import { runCommand } from '../../process/run-command.js';
import { shellQuote } from '../../util/shell-quote.js';
import { serverEnvironment } from '../server-environment.js';
import { findFreePort } from './free-port.js';
import { runAs, type OsUser } from './os-user.js';
import { writePrivateFile, type ServerFiles } from './server-files.js';

export interface StartPostmasterInput {
  binDir: string;
  files: ServerFiles;
  user: OsUser | undefined;
  /** The whole configuration file for a server on `port`. */
  renderConfig(port: number): string;
  /** Write it here and pass it as config_file; absent: it replaces the data dir's postgresql.conf. */
  configFile?: string;
  /** How long pg_ctl waits for the server to accept connections (a server in recovery: to reach hot standby). */
  timeoutMs: number;
  signal?: AbortSignal;
}

export type StartPostmasterResult = { ok: true; port: number } | { ok: false; port: number; cause: unknown };

const MAX_PORT_ATTEMPTS = 5;

/**
 * `pg_ctl start -w` on a free loopback port. The port is free when picked but another process may bind it
 * first; when the log says so, try again with a new one.
 */
export async function startPostmaster(input: StartPostmasterInput): Promise<StartPostmasterResult> {
  let port = 0;
  for (let attempt = 1; attempt <= MAX_PORT_ATTEMPTS; attempt++) {
    port = await findFreePort();
    const conf = input.renderConfig(port);
    if (input.configFile) await writePrivateFile(input.configFile, conf, input.user);
    else await writeFile(join(input.files.dataDir, 'postgresql.conf'), conf);
    const logOffset = (await stat(input.files.logPath)).size;
    try {
      await runPgCtlStart(input);
      recordPostmaster(input.files);
      return { ok: true, port };
    } catch (cause) {
      const lost =
        attempt < MAX_PORT_ATTEMPTS &&
        !input.signal?.aborted &&
        isBindFailure(await readFrom(input.files.logPath, logOffset));
      if (!lost) return { ok: false, port, cause };
    }
  }
  return { ok: false, port, cause: new Error('unreachable') };
}

async function runPgCtlStart(input: StartPostmasterInput): Promise<void> {
  const seconds = Math.max(1, Math.ceil(input.timeoutMs / 1000));
  // pg_ctl hands -o to `sh -c`, so the path is shell-quoted.
  const options = input.configFile ? ['-o', `-c ${shellQuote(`config_file=${input.configFile}`)}`] : [];
  // With -l the postmaster's output goes to the log, so pg_ctl's pipes close when pg_ctl exits.
  await runCommand(
    join(input.binDir, 'pg_ctl'),
    ['start', '-w', '-t', String(seconds), '-D', input.files.dataDir, '-l', input.files.logPath, ...options],
    {
      ...runAs(input.user),
      cwd: '/',
      env: serverEnvironment(input.user?.home),
      extendEnv: false,
      signal: input.signal,
      timeoutMs: input.timeoutMs + 10_000,
      errorCode: 'PG_CTL_START_FAILED',
    },
  );
}

// For the sweep at the next start; it checks the pid is still a postgres of this data dir before any signal.
function recordPostmaster(files: ServerFiles): void {
  let pid = 0;
  try {
    pid = Number(readFileSync(join(files.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (Number.isInteger(pid) && pid > 0) addToOwnerRecord(files.serverDir, { postmasterPids: [pid] });
}

function isBindFailure(logText: string): boolean {
  return /could not bind IPv4 address|could not create any TCP\/IP sockets|Address already in use/.test(logText);
}

async function readFrom(path: string, offset: number): Promise<string> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    await handle.read(buffer, 0, buffer.length, offset);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}
