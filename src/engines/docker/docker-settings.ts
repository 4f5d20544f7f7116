import { ENGINE_OWNED_SETTINGS, findSettingProblems, refusedSettings } from '../local/server-config.js';

/** What every container server gets: no archiving, no durability (it is deleted after the drill). */
export const CONTAINER_SERVER_SETTINGS: Readonly<Record<string, string>> = {
  archive_mode: 'off',
  archive_command: '',
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_wal_size: '4GB',
  log_line_prefix: '%m [%p] ',
};

/** `postgres -c key=value …` for the engine's settings, then the caller's (refused when the engine owns them). */
export function settingsArgs(settings: Record<string, string> = {}): string[] {
  const problems = findSettingProblems(settings, ENGINE_OWNED_SETTINGS);
  if (problems.length > 0) throw refusedSettings(problems);
  return Object.entries({ ...CONTAINER_SERVER_SETTINGS, ...settings }).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
}
