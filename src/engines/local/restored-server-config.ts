import {
  engineSettingLines,
  ENGINE_OWNED_SETTINGS,
  findSettingProblems,
  quoteSetting,
  refusedSettings,
  renderSettingLines,
} from './server-config.js';

// On a restored server these keep WAL from leaving and make recovery end in promotion.
const RESTORE_OWNED_SETTINGS: ReadonlyMap<string, string> = new Map([
  ...ENGINE_OWNED_SETTINGS,
  ...['archive_mode', 'archive_command', 'archive_library'].map(
    (name) => [name, 'set by the local engine (a restored server never archives WAL)'] as const,
  ),
  ...['primary_conninfo', 'primary_slot_name'].map(
    (name) => [name, 'set by the local engine (a restored server never follows a primary)'] as const,
  ),
  ['recovery_target_action', 'set by the local engine (recovery always ends in promotion)'],
  ['hot_standby', 'set by the local engine (it watches recovery through a hot-standby connection)'],
]);

/** Refuse keys of `settings` and `recovery` that a restored server must not take, listing every problem at once. */
export function assertRestoredSettingsAllowed(
  settings: Record<string, string> = {},
  recovery: Record<string, string> = {},
): void {
  const problems = [
    ...findSettingProblems(settings, RESTORE_OWNED_SETTINGS, 'settings.'),
    ...findSettingProblems(recovery, RESTORE_OWNED_SETTINGS, 'recovery.'),
  ];
  if (problems.length > 0) {
    throw refusedSettings(
      problems,
      'remove these keys: on a restored server the engine chooses the address, port and socket, turns archiving off and always promotes',
    );
  }
}

/** pg_hba.conf while recovery runs: trust on the private 0700 socket only (no password of the backup is known); TCP refused. */
export function renderRecoveryHbaConf(): string {
  return [
    '# pgdrill restored server, during recovery: any role, without a password, only through the private socket dir',
    '# (0700, owned by the server user). Replaced by the scram-only pg_hba.conf once recovery has ended.',
    'local   all   all                  trust',
    'host    all   all   127.0.0.1/32   reject',
    '',
  ].join('\n');
}

export interface RestoredConfigInput {
  port: number;
  socketDir: string;
  dataDir: string;
  hbaPath: string;
  identPath: string;
  /** RestoredServerSpec.recovery. */
  recovery: Record<string, string>;
  /** ServerSpec.settings, already raised to what pg_control requires. */
  settings: Record<string, string>;
  /** @default '127.0.0.1'; '*' inside a container, whose published port is bound to the host's loopback */
  listenAddresses?: string;
  /** @default 'local' */
  engine?: string;
}

/** The whole config_file of a restored server: nothing of the backup's postgresql.conf is read. */
export function renderRestoredServerConf(input: RestoredConfigInput): string {
  const lines = [
    `# pgdrill (engine=${input.engine ?? 'local'}): a restored throwaway server. The backup's postgresql.conf and postgresql.auto.conf are not used.`,
    `data_directory = ${quoteSetting(input.dataDir)}`,
    `hba_file = ${quoteSetting(input.hbaPath)}`,
    `ident_file = ${quoteSetting(input.identPath)}`,
    ...engineSettingLines(input),
    `primary_conninfo = ''`,
    `primary_slot_name = ''`,
    'hot_standby = on',
    `recovery_target_action = 'promote'`,
    // English log lines (recovery/ reads how recovery ended from them) and UTC, whatever the backup's locale said.
    `lc_messages = 'C'`,
    `log_timezone = 'UTC'`,
    `timezone = 'UTC'`,
    '# RestoredServerSpec.recovery',
    ...renderSettingLines(normalizeRecovery(input.recovery)),
    '# ServerSpec.settings, raised to what pg_control requires',
    ...renderSettingLines(input.settings),
  ];
  return `${lines.join('\n')}\n`;
}

// At startup PostgreSQL 15 rejects a recovery_target_time with a zone abbreviation such as ISO 8601's "Z"
// ("invalid value for parameter"; abbreviations are not loaded yet) but takes the same instant as "+00".
function normalizeRecovery(recovery: Record<string, string>): Record<string, string> {
  const time = recovery.recovery_target_time;
  if (time === undefined || !/\d[zZ]$/.test(time.trim())) return recovery;
  return { ...recovery, recovery_target_time: `${time.trim().slice(0, -1)}+00` };
}
