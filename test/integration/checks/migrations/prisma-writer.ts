/**
 * Writes `_prisma_migrations` the way `prisma migrate deploy` does on PostgreSQL. Prisma's CLI downloads its
 * schema engine from the internet, so it is not run here; this follows prisma-engines (github.com/prisma/prisma-engines,
 * schema-engine/connectors/sql-schema-connector): the table is PostgresFlavour create_migrations_table; a migration
 * is record_migration_started (id = a v4 UUID, checksum, started_at, migration_name), its script, then
 * record_successful_step (applied_steps_count + 1) and record_migration_finished (finished_at), or
 * record_failed_step (logs) when the script fails. The checksum is the SHA-256 of migration.sql in lowercase hex
 * (checksum.rs render_checksum), computed here with node:crypto.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Queryable } from '../../../../src/checks/check.js';

const CREATE_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

/** Applies each migration directory in order; a script that fails leaves its row unfinished, and stops. */
export async function deployLikePrisma(db: Queryable, dir: string, names: string[]): Promise<void> {
  const exists = await db.query(
    "select 1 from pg_tables where schemaname = 'public' and tablename = '_prisma_migrations'",
  );
  if (exists.length === 0) await db.query(CREATE_TABLE);
  for (const name of names) {
    const script = await readFile(join(dir, name, 'migration.sql'), 'utf8');
    const id = randomUUID();
    const checksum = createHash('sha256').update(script).digest('hex');
    await db.query(
      'INSERT INTO "_prisma_migrations" ("id", "checksum", "started_at", "migration_name") VALUES ($1, $2, $3, $4)',
      [id, checksum, new Date(), name],
    );
    try {
      await db.query(script);
    } catch (error) {
      await db.query('UPDATE "_prisma_migrations" SET "logs" = $1 WHERE "id" = $2', [String(error), id]);
      return;
    }
    await db.query(
      'UPDATE "_prisma_migrations" SET "applied_steps_count" = ("applied_steps_count" + $1) WHERE "id" = $2',
      [1, id],
    );
    await db.query('UPDATE "_prisma_migrations" SET "finished_at" = $1 WHERE "id" = $2', [new Date(), id]);
  }
}

/** `prisma migrate resolve --rolled-back <name>`: mark_migration_rolled_back_by_id on its failed row. */
export async function resolveRolledBack(db: Queryable, name: string): Promise<void> {
  await db.query(
    'UPDATE "_prisma_migrations" SET "rolled_back_at" = $1 WHERE "migration_name" = $2 AND "finished_at" IS NULL',
    [new Date(), name],
  );
}
