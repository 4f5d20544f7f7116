import pg from 'pg';
import { ConfigError, StorageError } from '../errors.js';
import { HISTORY_VERSION, type HistoryDrill, type HistoryRun } from './history-record.js';
import { DEFAULT_HISTORY_LIMIT, type HistoryStore } from './history-store.js';

/**
 * A table with one row per drill per run: plain columns to query and graph, the full drill record as jsonb,
 * and the run context (CI run, suite file hashes) as jsonb; tables made before that column get it added.
 */
export function createPostgresHistory(options: {
  urlEnv: string;
  table: string;
  env: Record<string, string | undefined>;
}): HistoryStore {
  const { urlEnv, table } = options;
  const description = `postgres table ${table} (URL from $${urlEnv})`;
  const url = options.env[urlEnv];
  let client: pg.Client | undefined;
  const connect = async (): Promise<pg.Client> => {
    if (client) return client;
    if (!url)
      throw new ConfigError('HISTORY_URL_MISSING', `history.postgres.urlEnv names ${urlEnv}, which is not set`, {
        hint: `export ${urlEnv}=postgresql://user:password@host/db for the history database`,
      });
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.query(createTableSql(table));
      await addRunContextColumn(c, table);
    } catch (error) {
      await c.end().catch(() => undefined);
      throw failure('could not open', error);
    }
    return (client = c);
  };
  const failure = (action: string, error: unknown) => {
    const e = error as { code?: string; message?: string };
    // Messages from pg never carry the password, but may carry the URL's host: keep them, drop the URL itself.
    const reason = (e.message ?? String(error)).replaceAll(url ?? '\u0000', `$${urlEnv}`);
    return new StorageError(
      'HISTORY_UNREACHABLE',
      `${action} the history table ${table} (URL from $${urlEnv}): ${reason}${e.code ? ` (${e.code})` : ''}`,
      {
        cause: error,
        hint: `check that $${urlEnv} points at a reachable database where this role may create and insert into ${table}`,
      },
    );
  };
  return {
    description,
    async append(run) {
      const db = await connect();
      try {
        await db.query('begin');
        for (const drill of run.drills) {
          await db.query(
            `insert into ${table} (suite, drill, status, run_started_at, run_finished_at, started_at, finished_at, exit_code, host,
               restore_seconds, replay_seconds, rpo_seconds, backup_age_seconds, failed_checks, error_code, objectives, record,
               run_context)
             values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)`,
            [
              run.suite,
              drill.name,
              drill.status,
              run.startedAt,
              run.finishedAt,
              drill.startedAt,
              drill.finishedAt,
              run.exitCode,
              run.host,
              drill.restoreSeconds ?? null,
              drill.replaySeconds ?? null,
              drill.rpoSeconds ?? null,
              drill.backupAgeSeconds ?? null,
              drill.failedChecks,
              drill.errorCode ?? null,
              JSON.stringify(run.objectives),
              JSON.stringify(drill),
              JSON.stringify({ ci: run.ci, suiteFiles: run.suiteFiles }),
            ],
          );
        }
        await db.query('commit');
      } catch (error) {
        await db.query('rollback').catch(() => undefined);
        throw failure('could not insert into', error);
      }
    },
    async read(suite, { limit = DEFAULT_HISTORY_LIMIT } = {}) {
      const db = await connect();
      let rows: Row[];
      try {
        rows = (
          await db.query<Row>(
            `select run_started_at, run_finished_at, exit_code, host, objectives, record, run_context from ${table}
              where suite = $1 and run_started_at in (select distinct run_started_at from ${table} where suite = $1 order by run_started_at desc limit $2)
              order by run_started_at, id`,
            [suite, limit],
          )
        ).rows;
      } catch (error) {
        throw failure('could not read', error);
      }
      return groupRuns(suite, rows);
    },
    async close() {
      await client?.end().catch(() => undefined);
    },
  };
}

interface Row {
  run_started_at: Date;
  run_finished_at: Date;
  exit_code: number;
  host: string;
  objectives: HistoryRun['objectives'];
  record: HistoryDrill;
  run_context: Pick<HistoryRun, 'ci' | 'suiteFiles'> | null;
}

function groupRuns(suite: string, rows: Row[]): HistoryRun[] {
  const runs = new Map<string, HistoryRun>();
  for (const row of rows) {
    const startedAt = row.run_started_at.toISOString();
    let run = runs.get(startedAt);
    if (!run) {
      run = {
        version: HISTORY_VERSION,
        suite,
        startedAt,
        finishedAt: row.run_finished_at.toISOString(),
        exitCode: row.exit_code,
        host: row.host,
        objectives: row.objectives,
        drills: [],
        ...(row.run_context?.ci ? { ci: row.run_context.ci } : {}),
        ...(row.run_context?.suiteFiles ? { suiteFiles: row.run_context.suiteFiles } : {}),
      };
      runs.set(startedAt, run);
    }
    run.drills.push(row.record);
  }
  return [...runs.values()];
}

function createTableSql(table: string): string {
  const index = `${table.replace('.', '_')}_suite_started`;
  return `create table if not exists ${table} (
    id bigserial primary key,
    suite text not null,
    drill text not null,
    status text not null,
    run_started_at timestamptz not null,
    run_finished_at timestamptz not null,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    exit_code integer not null,
    host text not null,
    restore_seconds double precision,
    replay_seconds double precision,
    rpo_seconds double precision,
    backup_age_seconds double precision,
    failed_checks integer not null,
    error_code text,
    objectives jsonb not null,
    record jsonb not null,
    run_context jsonb
  );
  create index if not exists ${index.split('.').pop()} on ${table} (suite, run_started_at)`;
}

/** Tables made before the run context was kept get its column; only then is ALTER (and table ownership) needed. */
async function addRunContextColumn(client: pg.Client, table: string): Promise<void> {
  try {
    await client.query(`select run_context from ${table} limit 0`);
  } catch (error) {
    if ((error as { code?: string }).code !== '42703') throw error;
    await client.query(`alter table ${table} add column if not exists run_context jsonb`);
  }
}
