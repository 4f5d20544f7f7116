import { writeFile, chmod, chown } from 'node:fs/promises';
import { join } from 'node:path';
import { ownerGuardShell } from '../lifecycle/owner-identity.js';
import { shellQuote } from '../util/shell-quote.js';

/**
 * The whole environment of a postmaster: what PostgreSQL and a restore_command's shell need (PATH, the
 * locale, the time zone, a HOME), and nothing of pgdrill's own (AWS keys, cipher passes, other drills'
 * decryption keys, PGPASSWORD), which any process of the server's OS user could read from /proc.
 */
export function serverEnvironment(
  home: string | undefined,
  from: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const env: Record<string, string> = { PATH: from.PATH ?? '/usr/local/bin:/usr/bin:/bin' };
  for (const [key, value] of Object.entries(from))
    if (value !== undefined && (key === 'LANG' || key === 'LANGUAGE' || key === 'TZ' || key.startsWith('LC_')))
      env[key] = value;
  const homeDir = home ?? from.HOME;
  if (homeDir) env.HOME = homeDir;
  return env;
}

export interface GuardRestoreCommandInput {
  /** The source's restore_command (%f, %p as PostgreSQL expands them). */
  command: string;
  /** What it needs in its environment (S3 credentials, a cipher pass, a CA bundle path). */
  env: Record<string, string> | undefined;
  /** A private directory of the server user, removed with the server. */
  scratchDir: string;
  runAs?: { uid: number; gid: number };
}

export const RESTORE_ENV_FILE = 'restore-command.env';

/**
 * restore_command as the server runs it: refuse once the pgdrill that owns the drill is gone, then read
 * the command's environment from a 0600 file of the server's user (never the postmaster's environment),
 * then run the command. Only its 0 and 1 keep their meaning: PostgreSQL takes any other status up to 125
 * for "not archived" and promotes, so a tool's own error (pgBackRest's 82, an archive-get that timed out;
 * barman-cloud-wal-restore's 2 or 4, a connection or a damaged file) becomes 128, which stops recovery.
 */
export async function guardRestoreCommand(input: GuardRestoreCommandInput): Promise<string> {
  const parts = [ownerGuardShell()];
  const entries = Object.entries(input.env ?? {});
  if (entries.length > 0) {
    const file = join(input.scratchDir, RESTORE_ENV_FILE);
    await writeFile(file, entries.map(([key, value]) => `export ${key}=${shellQuote(value)}\n`).join(''), {
      mode: 0o600,
    });
    await chmod(file, 0o600);
    if (input.runAs) await chown(file, input.runAs.uid, input.runAs.gid);
    // `.` of a missing file ends the shell with status 2, which PostgreSQL would take for "not archived".
    // PostgreSQL expands % in restore_command: a literal one in the path is written %%.
    const quoted = shellQuote(file).replace(/%/g, '%%');
    parts.push(`[ -r ${quoted} ] || exit 128`, `. ${quoted}`);
  }
  parts.push(`{ ${input.command}; } || { [ $? = 1 ] && exit 1; exit 128; }`);
  return parts.join('; ');
}
