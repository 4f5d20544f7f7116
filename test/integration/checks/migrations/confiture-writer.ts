/**
 * Writes confiture's tracking table the way `confiture migrate up` does. confiture is a Python package and PyPI
 * is not reachable here, so this follows its source (github.com/fraiseql/confiture, commit afe4dca): the table is
 * _migrator/state.py initialize (tb_confiture; the early releases' confiture_migrations with `legacy`), a row is
 * _migrator/apply.py record_migration — slug `<name>_<YYYYMMDD_HHMMSS>`, version, name, execution_time_ms, and the
 * checksum of core/checksum.py compute_checksum, the SHA-256 of the file's bytes (computed here with node:crypto).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Queryable } from '../../../../src/checks/check.js';

const CREATE_TABLE = `CREATE TABLE "tb_confiture" (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    pk_confiture BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    slug TEXT NOT NULL UNIQUE,
    version VARCHAR(255) NOT NULL UNIQUE,
    name VARCHAR(255) NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    execution_time_ms INTEGER,
    checksum VARCHAR(64),
    applied_by TEXT
);
CREATE INDEX "idx_tb_confiture_pk_confiture" ON "tb_confiture"(pk_confiture);
CREATE INDEX "idx_tb_confiture_slug" ON "tb_confiture"(slug);
CREATE INDEX "idx_tb_confiture_version" ON "tb_confiture"(version);
CREATE INDEX "idx_tb_confiture_applied_at" ON "tb_confiture"(applied_at DESC);`;

/** The first releases' table (commit 5a7ec3d, "implement Migration System"). */
const CREATE_LEGACY_TABLE = `CREATE TABLE IF NOT EXISTS confiture_migrations (
    id SERIAL PRIMARY KEY,
    version VARCHAR(255) NOT NULL UNIQUE,
    name VARCHAR(255) NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT NOW(),
    execution_time_ms INTEGER,
    checksum VARCHAR(64),
    CONSTRAINT confiture_migrations_version_unique UNIQUE (version)
)`;

/** Runs each `<version>_<name>.up.sql` and records it, in the order given. */
export async function migrateLikeConfiture(
  db: Queryable,
  dir: string,
  files: string[],
  options: { legacy?: boolean } = {},
): Promise<void> {
  const found = await db.query<{ exists: boolean }>("select to_regclass('tb_confiture') is not null as exists");
  if (options.legacy) await db.query(CREATE_LEGACY_TABLE);
  else if (!found[0]?.exists) await db.query(CREATE_TABLE);
  for (const file of files) {
    const bytes = await readFile(join(dir, file));
    const base = file.replace(/\.up\.sql$/, '');
    const [version, name] = [base.split('_')[0]!, base.split('_').slice(1).join('_')];
    const started = Date.now();
    await db.query('begin');
    await db.query(bytes.toString('utf8'));
    const checksum = createHash('sha256').update(bytes).digest('hex');
    if (options.legacy) {
      await db.query(
        'INSERT INTO confiture_migrations (version, name, execution_time_ms, checksum) VALUES ($1, $2, $3, $4)',
        [version, name, Date.now() - started, checksum],
      );
    } else {
      const slug = `${name}_${new Date().toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15)}`;
      await db.query(
        'INSERT INTO "tb_confiture" (id, slug, version, name, execution_time_ms, checksum, applied_by) VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, current_user)',
        [slug, version, name, Date.now() - started, checksum],
      );
    }
    await db.query('commit');
  }
}
