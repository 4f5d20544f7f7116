import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OsUser } from '../local/os-user.js';

export interface ContainerUser {
  /** `uid:gid` for the container. */
  spec: string;
  /** passwd and group files to mount over the image's: postgres looks its own user up and must find it. */
  mounts: Array<{ source: string; target: string; mode: 'ro' }>;
}

/**
 * A restored server runs in its container as the same uid as on this machine (the owner of the restored
 * files), whatever users the image has: the files on both sides then need no chown and are removed by us.
 */
export async function containerUser(user: OsUser | undefined, dir: string): Promise<ContainerUser> {
  const uid = user?.uid ?? process.getuid!();
  const gid = user?.gid ?? process.getgid!();
  const name = user?.name ?? 'pgdrill';
  const passwd = join(dir, 'passwd');
  const group = join(dir, 'group');
  await writeFile(passwd, `root:x:0:0:root:/root:/bin/sh\n${name}:x:${uid}:${gid}:pgdrill server:/tmp:/bin/sh\n`, {
    mode: 0o644,
  });
  await writeFile(group, `root:x:0:\n${name}:x:${gid}:\n`, { mode: 0o644 });
  return {
    spec: `${uid}:${gid}`,
    mounts: [
      { source: passwd, target: '/etc/passwd', mode: 'ro' },
      { source: group, target: '/etc/group', mode: 'ro' },
    ],
  };
}
