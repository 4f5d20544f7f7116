import type { ToolDirs } from '../demo/physical/fixture-workspace.js';

export interface BenchPgbackrestConfInput {
  /** repo1-path: a local directory (repo1-type=posix, pgBackRest's default). */
  repoPath: string;
  tools: Pick<ToolDirs, 'lock' | 'log' | 'spool'>;
  stanza: string;
  /** The source server, for stanza-create, check, backup and archive-push. */
  source: { dataDir: string; port: number; user: string };
}

/**
 * pgbackrest.conf as the user guide sets one up, with pgBackRest's defaults for the rest (gz compression,
 * synchronous archive-get): the repository, private lock/log/spool paths, a fast start for the backup.
 */
export function renderBenchPgbackrestConf(input: BenchPgbackrestConfInput): string {
  const global = [
    `repo1-path=${input.repoPath}`,
    'repo1-retention-full=2',
    `lock-path=${input.tools.lock}`,
    `log-path=${input.tools.log}`,
    `spool-path=${input.tools.spool}`,
    'log-level-console=warn',
    'start-fast=y',
  ];
  const { dataDir, port, user } = input.source;
  const stanza = [`pg1-path=${dataDir}`, `pg1-port=${port}`, `pg1-user=${user}`];
  return ['[global]', ...global, '', `[${input.stanza}]`, ...stanza, ''].join('\n');
}

/**
 * `pgbackrest restore` by hand into an empty data directory, to a restore point, promoting there. pgBackRest
 * writes recovery.signal and postgresql.auto.conf (its own restore_command, the target); archive-mode=off
 * keeps the restored server from pushing a new timeline into the repository the next pairs restore from.
 */
export function rawRestoreArgs(input: {
  conf: string;
  stanza: string;
  dataDir: string;
  restorePoint: string;
}): string[] {
  return [
    `--config=${input.conf}`,
    `--stanza=${input.stanza}`,
    `--pg1-path=${input.dataDir}`,
    '--type=name',
    `--target=${input.restorePoint}`,
    '--target-action=promote',
    '--archive-mode=off',
    'restore',
  ];
}

export interface PgbackrestSuiteInput {
  root: string;
  repoPath: string;
  stanza: string;
  restorePoint: string;
  database: string;
  rows: number;
}

/** The pgdrill side: a pgbackrest drill of the same repository to the same restore point, counting the same rows. */
export function renderPgbackrestSuite(input: PgbackrestSuiteInput): string {
  return `name: bench-pgbackrest
storage:
  disk: { filesystem: { root: ${JSON.stringify(input.root)} } }
drills:
  - name: pgbackrest
    source: { pgbackrest: { store: disk, path: ${input.repoPath}, stanza: ${input.stanza}, database: ${input.database} } }
    target: { name: ${input.restorePoint} }
    checks:
      - rows: { table: public.wal_events, exact: ${input.rows} }
`;
}
