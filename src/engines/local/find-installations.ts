import { access, readdir, realpath } from 'node:fs/promises';
import { constants } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { runCommand } from '../../process/run-command.js';

/** The tools pgdrill needs from an installation: server tools to start one, client tools to restore into it. */
export const INSTALLATION_TOOLS = ['pg_restore', 'pg_dump', 'psql', 'pg_ctl', 'initdb'] as const;
export type InstallationTool = (typeof INSTALLATION_TOOLS)[number];

export interface PgInstallation {
  /** 15 for "15.18"; 9.6 for "9.6.24". */
  major: number;
  /** As printed by `postgres --version`, e.g. "15.18". */
  version: string;
  /** Real path of the directory holding `postgres` (symlinks resolved). */
  binDir: string;
  /** Where it was found: the configured bin dir, Debian's /usr/lib/postgresql/<N>/bin, or PATH. */
  source: 'configured' | 'debian' | 'path';
  /** Which of the tools pgdrill uses exist in binDir. */
  tools: Record<InstallationTool, boolean>;
}

export interface FindInstallationsOptions {
  /** A bin directory to consider first (the local engine's `binDir`). */
  binDir?: string;
  /** Where Debian-style installations live. @default '/usr/lib/postgresql' */
  debianRoot?: string;
  /** The search path for `postgres` and `pg_ctl`. @default process.env.PATH */
  searchPath?: string;
}

export const DEFAULT_DEBIAN_ROOT = '/usr/lib/postgresql';

/**
 * Every PostgreSQL installation on this machine, newest major first (within a major the configured one
 * first), one entry per real bin directory: PATH entries are usually symlinks into the Debian layout.
 */
export async function findInstallations(options: FindInstallationsOptions = {}): Promise<PgInstallation[]> {
  const candidates: Array<{ dir: string; source: PgInstallation['source'] }> = [];
  if (options.binDir) candidates.push({ dir: options.binDir, source: 'configured' });
  for (const dir of await listDebianBinDirs(options.debianRoot ?? DEFAULT_DEBIAN_ROOT))
    candidates.push({ dir, source: 'debian' });
  for (const dir of await listPathBinDirs(options.searchPath ?? process.env.PATH ?? ''))
    candidates.push({ dir, source: 'path' });

  const seen = new Set<string>();
  const found: PgInstallation[] = [];
  for (const { dir, source } of candidates) {
    const real = await realpath(dir).catch(() => undefined);
    if (real === undefined || seen.has(real)) continue;
    seen.add(real);
    const installation = await inspectBinDir(real, source);
    if (installation) found.push(installation);
  }
  const rank = { configured: 0, debian: 1, path: 2 } as const;
  return found.sort(
    (a, b) => b.major - a.major || rank[a.source] - rank[b.source] || compareVersions(b.version, a.version),
  );
}

/** One bin directory → an installation, or undefined when it has no `postgres` that answers `--version`. */
export async function inspectBinDir(
  binDir: string,
  source: PgInstallation['source'] = 'configured',
): Promise<PgInstallation | undefined> {
  const postgres = join(binDir, 'postgres');
  if (!(await isExecutable(postgres))) return undefined;
  const result = await runCommand(postgres, ['--version'], { timeoutMs: 10_000 }).catch(() => undefined);
  const parsed = result ? parsePostgresVersion(result.stdout) : undefined;
  if (!parsed) return undefined;
  const tools = {} as Record<InstallationTool, boolean>;
  for (const tool of INSTALLATION_TOOLS) tools[tool] = await isExecutable(join(binDir, tool));
  return { ...parsed, binDir, source, tools };
}

/** "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" → { major: 15, version: "15.18" }. */
export function parsePostgresVersion(output: string): { major: number; version: string } | undefined {
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?(?:\.(\d+))?([^\s]*)/.exec(output);
  if (!match) return undefined;
  const first = Number(match[1]);
  const second = match[2] === undefined ? undefined : Number(match[2]);
  // Before PostgreSQL 10 the major had two parts (9.6); since then it has one (15).
  const major = first >= 10 || second === undefined ? first : Number(`${first}.${second}`);
  const version = [match[1], match[2], match[3]].filter((p) => p !== undefined).join('.') + (match[4] ?? '');
  return { major, version };
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[^\d]+/).map(Number);
  const pb = b.split(/[^\d]+/).map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

async function listDebianBinDirs(root: string): Promise<string[]> {
  const entries = await readdir(root).catch(() => [] as string[]);
  return entries
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number(b) - Number(a))
    .map((name) => join(root, name, 'bin'));
}

// A `postgres` or `pg_ctl` on PATH is usually a symlink; the installation is where it points.
async function listPathBinDirs(searchPath: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const dir of searchPath.split(delimiter).filter((d) => d.length > 0)) {
    for (const tool of ['postgres', 'pg_ctl']) {
      const path = join(dir, tool);
      if (!(await isExecutable(path))) continue;
      const real = await realpath(path).catch(() => undefined);
      if (real) dirs.push(dirname(real));
    }
  }
  return dirs;
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}
