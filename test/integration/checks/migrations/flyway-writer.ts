/**
 * Writes `flyway_schema_history` the way Flyway does on PostgreSQL. Flyway is Java and cannot be installed here
 * (no Maven Central), so this follows its source (github.com/flyway/flyway): the table is
 * PostgreSQLDatabase.getRawCreateScript (flyway-database/flyway-database-postgresql), a row is
 * Database.getInsertStatement with type `SQL`, and each migration runs in its own transaction together with its
 * row. The checksum written is pgdrill's computeFlywayChecksum, which the unit tests pin to Flyway's documented
 * vector — not a value Flyway computed here.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Queryable } from '../../../../src/checks/check.js';
import { computeFlywayChecksum } from '../../../../src/checks/migrations/flyway.js';

const CREATE_TABLE = `CREATE TABLE "public"."flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success");`;

const INSERT = `INSERT INTO "public"."flyway_schema_history" ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success") VALUES ($1, $2, $3, $4, $5, $6, current_user, $7, $8)`;

export interface FlywayStep {
  /** Path relative to the location, as Flyway records it: `V1_1__Add_email.sql`, `sub/V2__Create_orders.sql`. */
  script: string;
  /** Record it as failed without running it: what Flyway leaves after a non-transactional migration fails. */
  failed?: boolean;
}

/** Applies the scripts in the order given (Flyway's order, or out of order with outOfOrder=true). */
export async function migrateLikeFlyway(db: Queryable, dir: string, steps: (string | FlywayStep)[]): Promise<void> {
  const exists = await db.query(
    "select 1 from pg_tables where schemaname = 'public' and tablename = 'flyway_schema_history'",
  );
  if (exists.length === 0) await db.query(CREATE_TABLE);
  for (const step of steps.map((s) => (typeof s === 'string' ? { script: s } : s))) {
    const next = await db.query<{ rank: number }>(
      'select coalesce(max(installed_rank), 0) + 1 as rank from "public"."flyway_schema_history"',
    );
    const rank = next[0]!.rank;
    const bytes = await readFile(join(dir, step.script));
    const [version, description] = parseName(step.script.split('/').at(-1)!);
    const started = Date.now();
    await db.query('begin');
    if (!step.failed) await db.query(bytes.toString('utf8'));
    const values = [
      rank,
      version,
      description,
      'SQL',
      step.script,
      computeFlywayChecksum(bytes),
      Date.now() - started,
      !step.failed,
    ];
    await db.query(INSERT, values);
    await db.query('commit');
  }
}

/** MigrationInfoHelper.extractVersionAndDescription: `V1_1__Add_email.sql` → ['1.1', 'Add email']; `R__x` → [null, 'x']. */
function parseName(file: string): [string | null, string] {
  const match = /^([VR])(.*?)__(.*)\.sql$/.exec(file);
  if (!match) throw new Error(`not a Flyway migration name: ${file}`);
  return [match[1] === 'R' ? null : match[2]!.replaceAll('_', '.'), match[3]!.replaceAll('_', ' ')];
}
