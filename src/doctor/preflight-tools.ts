import type { ResolvedDrill } from '../suite/resolved-suite.js';
import { isInventoryOnly } from '../drill/run-inventory.js';
import { EXTERNAL_TOOLS, probeTool, type ExternalTool, type ToolStatus } from './diagnose.js';
import type { BackupCheck } from './preflight-backup.js';
import { ok, type PreflightFinding } from './preflight-result.js';

const BARMAN_LIST: ExternalTool = {
  name: 'barman-cloud-backup-list',
  args: ['--version'],
  neededFor: 'barmanCloud sources',
  install: 'apt-get install barman-cli-cloud',
};
const BARMAN_WAL: ExternalTool = { ...BARMAN_LIST, name: 'barman-cloud-wal-restore' };

/** The tools outside PostgreSQL a drill's source runs, with what each is for in this drill. */
export function toolsFor(drill: ResolvedDrill, backup: BackupCheck): Array<{ name: string; why: string }> {
  const source = drill.source;
  if (source.kind === 'pgbackrest')
    return [
      {
        name: 'pgbackrest',
        why: isInventoryOnly(drill) ? 'pgbackrest info' : 'pgbackrest info, restore and archive-get',
      },
    ];
  if (source.kind === 'barmanCloud') {
    if (isInventoryOnly(drill)) return [];
    return [
      { name: 'barman-cloud-backup-list', why: 'listing the backups' },
      { name: 'barman-cloud-restore', why: 'restoring the backup' },
      { name: 'barman-cloud-wal-restore', why: 'restore_command' },
    ];
  }
  if (source.kind === 'basebackup') return isInventoryOnly(drill) ? [] : [{ name: 'tar', why: 'extracting base.tar' }];
  const tools: Array<{ name: string; why: string }> = [];
  if (source.archives.some((a) => a.decrypt)) tools.push({ name: 'openssl', why: 'decrypting the archive' });
  if (backup.compressions.includes('zstd')) tools.push({ name: 'zstd', why: 'decompressing the archive' });
  return tools;
}

/** One finding per tool: the version line it prints, or what to install. Probes are shared across drills. */
export async function checkTools(
  tools: Array<{ name: string; why: string }>,
  probes: Map<string, Promise<ToolStatus>>,
): Promise<PreflightFinding[]> {
  return Promise.all(
    tools.map(async ({ name, why }) => {
      const known = [...EXTERNAL_TOOLS, BARMAN_LIST, BARMAN_WAL].find((t) => t.name === name)!;
      let probe = probes.get(name);
      if (!probe) probes.set(name, (probe = probeTool(known)));
      const status = await probe;
      return status.usable
        ? ok(`tool ${name}`, `${status.detail} (for ${why})`)
        : {
            status: 'fail' as const,
            subject: `tool ${name}`,
            message: `${name} is not on PATH or does not run (needed for ${why})`,
            hint: known.install,
          };
    }),
  );
}
