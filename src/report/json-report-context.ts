import { hostname, arch, platform, release } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../process/run-command.js';
import type { RunResult } from '../results.js';
import { detectCiContext } from './ci-context.js';
import type { ReportContext } from './json-report.js';
import { hashSuiteFiles } from './suite-file-hashes.js';

// One `--version` per command per process: a run writing several reports asks each tool once.
const versions = new Map<string, Promise<string>>();

/** Host tools each source kind uses, besides the server's own binaries. */
const SOURCE_TOOLS: Record<string, string[]> = {
  pgdump: ['openssl'],
  pgbackrest: ['pgbackrest'],
  barmanCloud: ['barman-cloud-restore'],
  basebackup: [],
};

/**
 * Where the report was made and with what: host, CI run, the suite files' hashes, pgdrill version, and the
 * version of every host tool the drills used. A tool that is missing or fails is recorded as such; it never
 * fails the run.
 */
export async function collectReportContext(
  run: RunResult,
  pgdrillVersion: string,
  env: Record<string, string | undefined> = process.env,
): Promise<ReportContext> {
  const commands = new Set<string>();
  for (const drill of run.drills) {
    const kind = drill.source?.kind;
    if (drill.engine?.binDir) {
      const bin = drill.engine.binDir;
      for (const tool of kind === 'pgdump' ? ['pg_restore', 'psql'] : ['postgres']) commands.add(join(bin, tool));
    }
    for (const tool of SOURCE_TOOLS[kind ?? ''] ?? []) commands.add(tool);
  }
  const entries = await Promise.all(
    [...commands].sort().map(async (command) => [command, await toolVersion(command)] as const),
  );
  return {
    pgdrillVersion,
    host: { hostname: hostname(), platform: platform(), release: release(), arch: arch() },
    commands: Object.fromEntries(entries),
    ci: detectCiContext(env),
    suiteFiles: hashSuiteFiles(run.suite.files),
  };
}

// Most tools answer `--version`; these two have a `version` command instead.
const VERSION_ARGS: Record<string, string[]> = { openssl: ['version'], pgbackrest: ['version'] };

export function toolVersion(command: string): Promise<string> {
  let version = versions.get(command);
  if (!version) {
    version = runCommand(command, VERSION_ARGS[command] ?? ['--version'], { timeoutMs: 15_000 })
      .then((r) => firstLine(r.stdout) || firstLine(r.stderr) || 'unknown (no output from --version)')
      .catch((error: unknown) => `unknown (${error instanceof Error ? firstLine(error.message) : String(error)})`);
    versions.set(command, version);
  }
  return version;
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? ''
  );
}
