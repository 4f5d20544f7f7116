import { ConfigError } from '../../errors.js';

/** The only role a throwaway server has; its password is random per server. */
export const SERVER_ROLE = 'pgdrill';

/** The read-only, non-superuser role suite-written checks connect as (created by the drill after the restore). */
export const CHECK_ROLE = 'pgdrill_check';

/**
 * Settings the engine owns, with why: they keep the server on loopback and its private socket, and
 * `include` directives would let a setting pull in another file. Overriding them is refused.
 */
export const ENGINE_OWNED_SETTINGS: ReadonlyMap<string, string> = new Map(
  [
    'listen_addresses',
    'port',
    'unix_socket_directories',
    'unix_socket_permissions',
    'unix_socket_group',
    'hba_file',
    'ident_file',
    'config_file',
    'data_directory',
    'include',
    'include_if_exists',
    'include_dir',
  ].map((name) => [name, 'set by the local engine (the server stays on 127.0.0.1 and a private socket)']),
);

export interface ServerSettingsInput {
  port: number;
  socketDir: string;
  /** Caller settings (ServerSpec.settings), written last so they win over the defaults. */
  extra?: Record<string, string>;
}

/**
 * pg_hba.conf admitting only the pgdrill role (and the checks' read-only role), only with their passwords,
 * only from `tcpFrom` and the socket.
 * In a container TCP arrives from the Docker bridge, while the published port itself is bound to loopback.
 */
export function renderHbaConf(tcpFrom = '127.0.0.1/32'): string {
  return [
    '# pgdrill throwaway server: only the role pgdrill, only by password (scram), only loopback and the private socket.',
    `local   all          ${SERVER_ROLE}                 scram-sha-256`,
    `host    all          ${SERVER_ROLE}  ${tcpFrom}   scram-sha-256`,
    `local   all          ${CHECK_ROLE}           scram-sha-256`,
    `host    all          ${CHECK_ROLE}   ${tcpFrom}   scram-sha-256`,
    `local   replication  ${SERVER_ROLE}                 scram-sha-256`,
    `host    replication  ${SERVER_ROLE}  ${tcpFrom}   scram-sha-256`,
    '',
  ].join('\n');
}

/** The block appended to postgresql.conf: isolation, no archiving, speed over durability, then the caller's. */
export function renderServerSettings(input: ServerSettingsInput): string {
  const lines = [
    '',
    '# --- pgdrill (engine=local): a throwaway server, never archived, never reachable from elsewhere ---',
    ...engineSettingLines(input),
  ];
  const extra = Object.entries(input.extra ?? {});
  if (extra.length > 0) lines.push('# ServerSpec.settings', ...renderSettingLines(input.extra));
  return `${lines.join('\n')}\n`;
}

/** What every local server gets, fresh or restored: loopback, the private socket, no archiving, no durability. */
export function engineSettingLines(input: { port: number; socketDir: string; listenAddresses?: string }): string[] {
  return [
    `listen_addresses = ${quoteSetting(input.listenAddresses ?? '127.0.0.1')}`,
    `port = ${input.port}`,
    `unix_socket_directories = ${quoteSetting(input.socketDir)}`,
    'unix_socket_permissions = 0700',
    'archive_mode = off',
    `archive_command = ''`,
    // Durability is pointless on a server that is deleted after the drill; restores run much faster.
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    `max_wal_size = '4GB'`,
    'logging_collector = off',
    `log_line_prefix = '%m [%p] '`,
  ];
}

/** `key = 'value'` lines, values quoted for postgresql.conf. */
export function renderSettingLines(settings: Record<string, string> = {}): string[] {
  return Object.entries(settings).map(([key, value]) => `${key} = ${quoteSetting(value)}`);
}

/** Refuse setting names that are not GUC names or that the engine owns, listing every problem at once. */
export function assertSettingsAllowed(settings: Record<string, string> = {}): void {
  const problems = findSettingProblems(settings, ENGINE_OWNED_SETTINGS);
  if (problems.length > 0) throw refusedSettings(problems);
}

/** One line per refused key: not a GUC name, owned by the engine (`owned`: lower-case name → why), or a multi-line value. */
export function findSettingProblems(
  settings: Record<string, string>,
  owned: ReadonlyMap<string, string>,
  prefix = '',
): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(settings)) {
    const name = key.toLowerCase();
    if (!/^[a-z_][a-z0-9_$]*(\.[a-z_][a-z0-9_$]*)?$/.test(name))
      problems.push(`${prefix}${key}: not a PostgreSQL setting name`);
    else if (owned.has(name)) problems.push(`${prefix}${key}: ${owned.get(name)}`);
    if (/[\n\r\0]/.test(value)) problems.push(`${prefix}${key}: the value contains a line break or NUL`);
  }
  return problems;
}

export function refusedSettings(
  problems: string[],
  hint = 'remove these keys from the server settings; the engine chooses the address, port and socket itself',
): ConfigError {
  return new ConfigError(
    'INVALID_SERVER_SETTINGS',
    `${problems.length} server setting(s) refused by the local engine`,
    { details: problems, hint },
  );
}

/** A postgresql.conf string literal: single quotes, an embedded quote doubled. */
export function quoteSetting(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
