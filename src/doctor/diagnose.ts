import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Engine, ProbeResult } from '../engines/engine.js';
import { findInstallations } from '../engines/local/find-installations.js';
import { runCommand } from '../process/run-command.js';

export interface ToolStatus {
  name: string;
  usable: boolean;
  /** Version or path when usable; why not (and what to install) otherwise. */
  detail: string;
  /** What needs it. */
  neededFor: string;
}

export interface InstallationStatus {
  major: number;
  version: string;
  binDir: string;
  tools: Record<string, boolean>;
  extensions: string[];
}

export interface Diagnosis {
  engines: ProbeResult[];
  installations: InstallationStatus[];
  tools: ToolStatus[];
}

export interface ExternalTool {
  name: string;
  args: string[];
  neededFor: string;
  install: string;
}

export const EXTERNAL_TOOLS: ExternalTool[] = [
  {
    name: 'openssl',
    args: ['version'],
    neededFor: 'the demo (encrypting fixture backups)',
    install: 'apt-get install openssl',
  },
  { name: 'zstd', args: ['--version'], neededFor: 'zstd-compressed dumps', install: 'apt-get install zstd' },
  { name: 'gzip', args: ['--version'], neededFor: 'the demo (gzip fixture backups)', install: 'apt-get install gzip' },
  { name: 'pgbackrest', args: ['version'], neededFor: 'pgbackrest sources', install: 'apt-get install pgbackrest' },
  {
    name: 'barman-cloud-restore',
    args: ['--version'],
    neededFor: 'barmanCloud sources',
    install: 'apt-get install barman-cli-cloud',
  },
  { name: 'tar', args: ['--version'], neededFor: 'basebackup sources (tar format)', install: 'apt-get install tar' },
];

/** `pgdrill doctor`: what is usable here and why not, without starting anything. */
export async function diagnose(engines: Engine[]): Promise<Diagnosis> {
  const probes = await Promise.all(
    engines.map((e) =>
      e.probe().catch((error: Error) => ({ kind: e.kind, usable: false, reason: error.message, majors: [] })),
    ),
  );
  const installations = await Promise.all(
    (await findInstallations()).map(async (i) => ({
      major: i.major,
      version: i.version,
      binDir: i.binDir,
      tools: i.tools,
      extensions: await listExtensions(i.binDir),
    })),
  );
  const tools = await Promise.all(EXTERNAL_TOOLS.map(probeTool));
  return { engines: probes, installations, tools };
}

/** Whether a tool runs here (its version line), or why not and what to install. */
export async function probeTool(tool: ExternalTool): Promise<ToolStatus> {
  try {
    const result = await runCommand(tool.name, tool.args, { timeoutMs: 10_000 });
    return {
      name: tool.name,
      usable: true,
      detail: (result.stdout || result.stderr).split('\n')[0]!.trim(),
      neededFor: tool.neededFor,
    };
  } catch {
    return { name: tool.name, usable: false, detail: `not found; ${tool.install}`, neededFor: tool.neededFor };
  }
}

/** Extensions an installation can create, from its `share/extension/*.control` files. */
async function listExtensions(binDir: string): Promise<string[]> {
  try {
    const shareDir = (await runCommand(join(binDir, 'pg_config'), ['--sharedir'], { timeoutMs: 10_000 })).stdout.trim();
    const files = await readdir(join(shareDir, 'extension'));
    return files
      .filter((f) => f.endsWith('.control'))
      .map((f) => f.slice(0, -'.control'.length))
      .sort();
  } catch {
    return [];
  }
}
