import type { CheckDefinition } from './check.js';
import { durationCheck } from './duration-check.js';
import { freshnessCheck } from './freshness-check.js';
import { retentionCheck } from './retention-check.js';
import { sizeCheck } from './size-check.js';
import { hypertablesCheck } from './hypertables-check.js';
import { recoveryCheck } from './recovery-check.js';
import { integrityCheck } from './integrity-check.js';
import { schemaDriftCheck } from './schema-drift-check.js';
import { manifestCheck } from './manifest-check.js';
import { migrationsCheck } from './migrations/migrations-check.js';
import { rowsCheck } from './rows-check.js';
import { schemaCheck } from './schema-check.js';
import { sequencesCheck } from './sequences-check.js';
import { sqlCheck } from './sql-check.js';

/** Every check type pgdrill ships. `any`: each definition has its own options type, validated by its schema. */
export const builtinChecks: CheckDefinition<any>[] = [
  rowsCheck,
  sequencesCheck,
  schemaCheck,
  sqlCheck,
  durationCheck,
  recoveryCheck,
  integrityCheck,
  schemaDriftCheck,
  manifestCheck,
  migrationsCheck,
  hypertablesCheck,
  freshnessCheck,
  retentionCheck,
  sizeCheck,
];

/** The built-in check a suite names by `type` (`rows`, `sequences`, …), or undefined. */
export function findCheck(type: string): CheckDefinition<any> | undefined {
  return builtinChecks.find((check) => check.type === type);
}

export {
  durationCheck,
  freshnessCheck,
  retentionCheck,
  sizeCheck,
  hypertablesCheck,
  integrityCheck,
  manifestCheck,
  migrationsCheck,
  recoveryCheck,
  rowsCheck,
  schemaCheck,
  schemaDriftCheck,
  sequencesCheck,
  sqlCheck,
};
