import type { StartedServer } from '../../engines/engine.js';
import { EngineError } from '../../errors.js';
import { createRoleStatement } from './plain-sql-roles.js';

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Create the target database and the roles the archive names, and make sure its extensions exist. */
export async function prepareDatabase(options: {
  server: StartedServer;
  database: string;
  roles: string[];
  extensions: string[];
  /** Schemas to create up front: `pg_restore -t` restores a table but not the schema it lives in. */
  schemas?: string[];
  signal?: AbortSignal;
}): Promise<void> {
  const { server } = options;
  const psql = (sql: string, db = 'postgres') =>
    server.runClient('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', sql], {
      signal: options.signal,
      errorCode: 'PREPARE_DATABASE_FAILED',
    });
  if (options.extensions.length > 0) {
    const available = (await psql('SELECT name FROM pg_available_extensions')).stdout.split('\n');
    const missing = options.extensions.filter((e) => !available.includes(e));
    if (missing.length > 0)
      throw new EngineError(
        'EXTENSION_NOT_AVAILABLE',
        `the archive needs extension${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which PostgreSQL ${server.major} ${server.image ? `in the image ${server.image}` : 'here'} does not have`,
        {
          hint: server.image
            ? `run an image that has ${missing.join(', ')}: add { image: "<image with ${missing.join(', ')}>", extensions: [${missing.join(', ')}] } to engine.docker.images in the suite`
            : `install ${missing.map((e) => (e === 'timescaledb' ? 'TimescaleDB for this major' : `postgresql-${server.major}-${e.replace(/_/g, '-')} (or the package providing ${e})`)).join(', ')}, or use an engine image that has it`,
        },
      );
  }
  if (options.roles.length > 0) await psql(options.roles.map((r) => createRoleStatement(quoteIdent(r))).join('\n'));
  await psql(`CREATE DATABASE ${quoteIdent(options.database)} TEMPLATE template0`);
  const schemas = (options.schemas ?? []).filter((s) => s !== 'public');
  if (schemas.length > 0)
    await psql(schemas.map((s) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s)};`).join('\n'), options.database);
}
