import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { Queryable } from '../../../src/checks/check.js';
import type { StartedServer } from '../../../src/engines/engine.js';
import { PG_BIN } from '../../support/scratch-postgres.js';

export const TIMESCALE_SETTINGS = { shared_preload_libraries: 'timescaledb', 'timescaledb.telemetry_level': 'off' };

const pgConfig = (flag: string, fallback: string): string => {
  for (const bin of [join(PG_BIN, 'pg_config'), 'pg_config']) {
    try {
      return execFileSync(bin, [flag], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      // try the next pg_config
    }
  }
  return fallback;
};

/** Why the TimescaleDB tests cannot run here, or undefined when they can. */
export function timescaleUnavailable(): string | undefined {
  if (!existsSync(join(pgConfig('--sharedir', '/usr/share/postgresql/15'), 'extension', 'timescaledb.control')))
    return 'TimescaleDB is not installed for PostgreSQL 15';
  const libdir = pgConfig('--pkglibdir', '/usr/lib/postgresql/15/lib');
  // Compression and continuous aggregates live in the TSL module; an Apache-only build lacks them.
  if (!readdirSync(libdir).some((f) => f.startsWith('timescaledb-tsl-')))
    return 'TimescaleDB is built Apache-only (no compression or continuous aggregates)';
  return undefined;
}

/** Seven daily chunks of 10-minute readings: what the Apache-licensed edition (Debian's package) supports. */
export const HYPERTABLE_SQL = `
CREATE EXTENSION timescaledb;
CREATE TABLE public.metrics (time timestamptz NOT NULL, device int NOT NULL, value float8);
SELECT create_hypertable('public.metrics', by_range('time', interval '1 day'));
INSERT INTO public.metrics SELECT t, (extract(epoch FROM t)::bigint / 600) % 5, 1.5
  FROM generate_series('2024-01-01 00:00+00'::timestamptz, '2024-01-07 23:50+00', interval '10 minutes') t;
`;

/** On top of HYPERTABLE_SQL, Timescale License features: three chunks compressed, an hourly continuous aggregate with its policy, a retention policy. */
export const TSL_SQL = `
ALTER TABLE public.metrics SET (timescaledb.compress, timescaledb.compress_segmentby = 'device', timescaledb.compress_orderby = 'time DESC');
SELECT count(compress_chunk(c)) FROM show_chunks('public.metrics', older_than => '2024-01-04 00:00+00'::timestamptz) c;
CREATE MATERIALIZED VIEW public.metrics_hourly WITH (timescaledb.continuous) AS
  SELECT time_bucket('1 hour', time) AS bucket, device, avg(value) AS value FROM public.metrics GROUP BY 1, 2 WITH NO DATA;
SELECT add_continuous_aggregate_policy('public.metrics_hourly', start_offset => NULL, end_offset => interval '1 hour', schedule_interval => interval '1 hour');
SELECT add_retention_policy('public.metrics', interval '100 years');
`;

/** The whole fixture: hypertable, compressed chunks, continuous aggregate, policies. */
export const SOURCE_SQL = HYPERTABLE_SQL + TSL_SQL;
export const SOURCE_ROWS = 7 * 24 * 6;

export async function connect(
  server: StartedServer,
  database: string,
): Promise<{ db: Queryable; close: () => Promise<void> }> {
  const { host, port, user, password } = server.connection;
  const client = new pg.Client({ host, port, user, password, database });
  await client.connect();
  return { db: { query: async (sql, params) => (await client.query(sql, params)).rows }, close: () => client.end() };
}

export type TimescaleEdition = 'apache' | 'timescale';

/**
 * Which TimescaleDB edition an image carries, read from its files without starting a server: the Timescale
 * License module (timescaledb-tsl-<version>.so: compression, continuous aggregates, policies) or the
 * Apache-licensed core alone (Debian's postgresql-<major>-timescaledb). Tests compare it with the server's
 * own timescaledb.license setting.
 */
export function imageTimescaleEdition(image: string): TimescaleEdition {
  const found = execFileSync(
    'docker',
    [
      'run',
      '--rm',
      '--pull=never',
      '--network',
      'none',
      '--entrypoint',
      'find',
      image,
      '/usr',
      '-name',
      'timescaledb-tsl-*.so',
    ],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return found.trim() ? 'timescale' : 'apache';
}
