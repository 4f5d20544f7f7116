import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { shellQuote } from '../../util/shell-quote.js';

/**
 * restore_command across the container boundary. The server in the container runs `sh fetch.sh %f %p`,
 * which drops a request file in a directory shared with this machine and waits; the broker here runs the
 * source's own restore_command (pgBackRest archive-get, barman-cloud-wal-restore, pgdrill's fetch-wal) with
 * this machine's tools and credentials, and answers with the segment and the exit code. So images need no
 * backup tool and no secret ever enters the container, and "exit 1 = not archived, anything else = stop"
 * keeps its meaning. The command runs as pgdrill's own user, which read the backup itself: an archive of
 * another uid's 0600 files (what a containerised server's archive_command leaves) is readable to it, and the
 * file it fetched is handed to the server's user.
 */
export interface WalBroker extends AsyncDisposable {
  /** The restore_command the server is given. */
  restoreCommand: string;
}

export interface WalBrokerInput {
  /** A directory mounted at the same path in the container, writable by the server's OS user. */
  dir: string;
  /** The source's restore_command for this machine (%f, %p, %% as PostgreSQL expands them). */
  hostCommand: string;
  /** The data directory: %p is relative to it. */
  dataDir: string;
  /** The server's OS user: owns the broker's files and every file handed to the server. */
  runAs?: { uid: number; gid: number };
  env: Record<string, string | undefined>;
  /** The server log: the command's stderr goes there, as it would from a restore_command on this machine. */
  logPath: string;
  /** @default 50 */
  pollMs?: number;
}

// %f is a WAL file name or a history file: anything else is refused, since it becomes part of paths here.
const WAL_NAME = /^[0-9A-F]{8,24}(\.history|\.partial|\.[0-9A-F]{8}\.backup)?$/;

const FETCH_SCRIPT = `#!/bin/sh
# restore_command of a pgdrill server in a container: ask the broker on the host for $1, copy it to $2.
set -u
dir=$(dirname "$0")
f=$1
rm -f "$dir/rc/$f" "$dir/out/$f"
: > "$dir/req/.$f.tmp" && mv "$dir/req/.$f.tmp" "$dir/req/$f"
while [ ! -e "$dir/rc/$f" ]; do sleep 0.05; done
rc=$(cat "$dir/rc/$f")
if [ "$rc" = 0 ]; then cp "$dir/out/$f" "$2" || rc=128; fi
rm -f "$dir/rc/$f" "$dir/out/$f"
exit "$rc"
`;

export async function startWalBroker(input: WalBrokerInput): Promise<WalBroker> {
  for (const sub of ['', 'req', 'out', 'rc']) {
    await mkdir(join(input.dir, sub), { recursive: true, mode: 0o700 });
    if (input.runAs) await chown(join(input.dir, sub), input.runAs.uid, input.runAs.gid);
  }
  const script = join(input.dir, 'fetch.sh');
  await writeFile(script, FETCH_SCRIPT, { mode: 0o500 });
  await chmod(script, 0o500);
  if (input.runAs) await chown(script, input.runAs.uid, input.runAs.gid);
  let stopped = false;
  // The idle wait is unref'd (a server kept by --keep-on-failure is never disposed, and its broker must not
  // keep pgdrill alive), so disposing ends it at once: nothing may await an unref'd timer.
  let idle: { timer: NodeJS.Timeout; wake: () => void } | undefined;
  const sleep = () =>
    new Promise<void>((wake) => {
      idle = { timer: setTimeout(wake, input.pollMs ?? 50).unref(), wake };
    });
  const loop = (async () => {
    while (!stopped) {
      const requests = (await readdir(join(input.dir, 'req')).catch(() => [])).filter((n) => !n.startsWith('.'));
      for (const name of requests) await answer(input, name);
      if (requests.length === 0 && !stopped) await sleep();
    }
  })();
  return {
    restoreCommand: `sh ${shellQuote(script)} "%f" "%p"`,
    [Symbol.asyncDispose]: async () => {
      stopped = true;
      if (idle) {
        clearTimeout(idle.timer);
        idle.wake();
      }
      await loop;
    },
  };
}

async function answer(input: WalBrokerInput, name: string): Promise<void> {
  await rm(join(input.dir, 'req', name), { force: true });
  const out = join(input.dir, 'out', name);
  const rc = WAL_NAME.test(name) ? await runHostCommand(input, name, out) : 128;
  const tmp = join(input.dir, 'rc', `.${name}.tmp`);
  await writeFile(tmp, `${rc}\n`, { mode: 0o600 });
  if (input.runAs) {
    await chown(tmp, input.runAs.uid, input.runAs.gid);
    await chown(out, input.runAs.uid, input.runAs.gid).catch(() => undefined);
  }
  await rename(tmp, join(input.dir, 'rc', name));
}

// The command gets the environment and cwd it would have on the local engine, as pgdrill's own user (see above).
function runHostCommand(input: WalBrokerInput, name: string, out: string): Promise<number> {
  const command = input.hostCommand.replace(/%([fp%])/g, (_, c: string) => (c === 'f' ? name : c === 'p' ? out : '%'));
  const log = openSync(input.logPath, 'a');
  return new Promise<number>((resolve) => {
    const child = spawn('sh', ['-c', command], {
      cwd: input.dataDir,
      env: input.env,
      stdio: ['ignore', log, log],
    });
    child.on('error', () => resolve(128));
    child.on('exit', (code, signal) => resolve(signal ? 128 : (code ?? 128)));
  }).finally(() => closeSync(log));
}
