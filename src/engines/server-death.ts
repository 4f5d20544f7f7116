import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { EngineError } from '../errors.js';

const KILLED = /terminated by signal|was terminated by exception|PANIC:|terminating any other active server processes/;
/** What a client says when the server side of its connection went away. */
const LOST =
  /Connection terminated|server closed the connection|ECONNRESET|ECONNREFUSED|EPIPE|57P0[123]|terminating connection/i;
const LOG_SETTLE_MS = 5_000;

export interface ServerDeathInput {
  /** Whether the server is gone, and what it was (e.g. "postmaster pid 812", "container 3f2a…"). */
  probe(): Promise<{ gone: boolean; what: string }>;
  logPath: string;
  /** What the failed client was doing, e.g. "pg_restore". */
  tool: string;
  error: Error;
  engine: string;
}

/**
 * A client tool failed: was it the server? The postmaster gone, or a server process killed (the log says
 * so), is the world's fault (SERVER_DIED, exit 3), never the archive's. Undefined when the server is fine.
 */
export async function explainServerDeath(input: ServerDeathInput): Promise<EngineError | undefined> {
  const readProblems = async () =>
    (await readFile(input.logPath, 'utf8').catch(() => ''))
      .split('\n')
      .filter((line) => KILLED.test(line) || /\b(FATAL|PANIC):/.test(line));
  let { gone, what: which } = await input.probe();
  let lines = await readProblems();
  // The client sees its connection drop before the postmaster logs why (it logs after reaping the killed
  // backend): on a lost connection, wait a little for that line or for the server to go.
  for (
    const deadline = Date.now() + LOG_SETTLE_MS;
    !gone && !lines.some((l) => KILLED.test(l)) && LOST.test(input.error.message) && Date.now() < deadline;
  ) {
    await delay(100);
    ({ gone, what: which } = await input.probe());
    lines = await readProblems();
  }
  if (!gone && !lines.some((line) => KILLED.test(line))) return undefined;
  const what = gone
    ? `the PostgreSQL server (${which}) is gone`
    : `a process of the PostgreSQL server (${which}) was killed`;
  return new EngineError(
    'SERVER_DIED',
    `${input.tool} failed because ${what} (engine=${input.engine}): ${input.error.message}`,
    {
      cause: input.error,
      details: lines.slice(-10),
      hint:
        'something outside pgdrill stopped or killed the restore server (the OOM killer, an operator, a full disk, a crash): ' +
        'the archive was not judged; see the server log lines above and the kernel log (dmesg), then run the drill again',
    },
  );
}
