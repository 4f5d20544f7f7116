import { existsSync } from 'node:fs';
import { runCommand } from '../process/run-command.js';
import { isOwnerAlive, parseOwner } from './owner-identity.js';

/** Label on every container pgdrill starts: `pid:starttime` of the pgdrill process that owns it. */
export const OWNER_LABEL = 'org.pgdrill.owner';

const DOCKER_TIMEOUT_MS = 15_000;

// Without a docker CLI or a daemon there is nothing to sweep; a sweep never fails a run.
async function docker(args: string[]): Promise<string | undefined> {
  if (!['/usr/bin/docker', '/usr/local/bin/docker'].some((p) => existsSync(p)) && !process.env.DOCKER_HOST)
    return undefined;
  return runCommand('docker', args, { timeoutMs: DOCKER_TIMEOUT_MS }).then(
    (r) => r.stdout,
    () => undefined,
  );
}

/** Containers labelled with an owner that no longer runs: removed (or listed, with dryRun). */
export async function removeOrphanContainers(dryRun: boolean): Promise<string[]> {
  const listing = await docker([
    'ps',
    '-a',
    '--filter',
    `label=${OWNER_LABEL}`,
    '--format',
    `{{.ID}}\t{{.Label "${OWNER_LABEL}"}}\t{{.Image}}`,
  ]);
  if (!listing) return [];
  const lines: string[] = [];
  for (const row of listing.split('\n').filter(Boolean)) {
    const [id, label, image] = row.split('\t');
    const owner = parseOwner(label ?? '');
    if (!id || !owner || isOwnerAlive(owner)) continue;
    if (!dryRun) await docker(['rm', '-f', '-v', id]);
    lines.push(`container ${id} (${image}) left by pgdrill pid ${owner.pid} (gone)`);
  }
  return lines;
}

/** Containers matching the given `label=value` filters (an owner record's), removed or listed. */
export async function removeContainers(filters: readonly string[], dryRun: boolean): Promise<string[]> {
  const lines: string[] = [];
  for (const filter of filters) {
    const ids = (await docker(['ps', '-aq', '--filter', `label=${filter}`]))?.split('\n').filter(Boolean) ?? [];
    if (ids.length > 0 && !dryRun) await docker(['rm', '-f', '-v', ...ids]);
    lines.push(...ids.map((id) => `container ${id}`));
  }
  return lines;
}
