import type { StartedServer } from '../engines/engine.js';
import { join } from 'node:path';
import { fixturesDir } from './fixture-paths.js';

export const DEMO_DATABASE = 'shop';

/** Expected facts of the demo database at `scale`, for checks and tests. */
export function demoFacts(scale = 1) {
  return { users: 5000 * scale, orders: 20000 * scale, auditLog: 1000, migrations: 3 };
}

/** Create the demo database (fixtures/demo/schema.sql) on a server. */
export async function createFixtureDatabase(
  server: StartedServer,
  options: { database?: string; scale?: number } = {},
): Promise<void> {
  const database = options.database ?? DEMO_DATABASE;
  await server.runClient('psql', [
    '-X',
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    '-d',
    'postgres',
    '-c',
    `CREATE DATABASE "${database}"`,
  ]);
  await server.runClient('psql', [
    '-X',
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    '-v',
    `scale=${options.scale ?? 1}`,
    '-d',
    database,
    '-f',
    join(fixturesDir, 'demo', 'schema.sql'),
  ]);
}
