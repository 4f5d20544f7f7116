import { join } from 'node:path';
import { runCommand } from '../../process/run-command.js';
import { runAs, type OsUser } from './os-user.js';

/** pg_controldata labels of the settings a server in recovery must have at least as high as the primary had. */
const REQUIRED_AT_LEAST: ReadonlyArray<readonly [label: string, setting: string]> = [
  ['max_connections setting', 'max_connections'],
  ['max_worker_processes setting', 'max_worker_processes'],
  ['max_wal_senders setting', 'max_wal_senders'],
  ['max_prepared_xacts setting', 'max_prepared_transactions'],
  ['max_locks_per_xact setting', 'max_locks_per_transaction'],
];
const WAL_LEVELS = ['minimal', 'replica', 'logical'];

/** `pg_controldata <dataDir>` as label → value ("max_connections setting" → "100"), in English whatever the locale. */
export async function readControlData(input: {
  binDir: string;
  dataDir: string;
  user: OsUser | undefined;
}): Promise<Map<string, string>> {
  const result = await runCommand(join(input.binDir, 'pg_controldata'), [input.dataDir], {
    ...runAs(input.user),
    cwd: '/',
    env: { LC_ALL: 'C', LANG: 'C', LANGUAGE: undefined },
    timeoutMs: 30_000,
    errorCode: 'PG_CONTROLDATA_FAILED',
  });
  return parseControlData(result.stdout);
}

export function parseControlData(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) values.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return values;
}

/**
 * `settings` with each recovery-critical setting raised to what pg_control recorded on the primary:
 * with a lower value PostgreSQL refuses hot standby (and pauses recovery). A higher value of the caller's stays.
 */
export function raiseToControlData(
  settings: Record<string, string>,
  control: ReadonlyMap<string, string>,
): Record<string, string> {
  const raised = { ...settings };
  for (const [label, setting] of REQUIRED_AT_LEAST) {
    const required = Number(control.get(label));
    if (!Number.isInteger(required)) continue;
    const own = Number(settings[setting]);
    if (!Number.isInteger(own) || own < required) raised[setting] = String(required);
  }
  const primaryLevel = WAL_LEVELS.indexOf(control.get('wal_level setting') ?? '');
  const ownLevel = Math.max(WAL_LEVELS.indexOf(settings.wal_level ?? 'replica'), WAL_LEVELS.indexOf('replica'));
  raised.wal_level = WAL_LEVELS[Math.max(primaryLevel, ownLevel)]!;
  return raised;
}
