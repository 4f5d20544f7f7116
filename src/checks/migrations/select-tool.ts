import { parseQualifiedName, type QualifiedName } from '../relation-names.js';
import { confitureTool } from './confiture.js';
import { drizzleTool } from './drizzle.js';
import { flywayTool } from './flyway.js';
import { createGenericTool, type ChecksumAlgorithm } from './generic.js';
import { knexTool } from './knex.js';
import { nodePgMigrateTool } from './node-pg-migrate.js';
import { prismaTool } from './prisma.js';
import type { MigrationTool } from './tool.js';

export const MIGRATION_TOOLS = [
  'flyway',
  'knex',
  'node-pg-migrate',
  'drizzle',
  'prisma',
  'confiture',
  'generic',
] as const;
export type MigrationToolName = (typeof MIGRATION_TOOLS)[number];

export interface ToolChoice {
  tool: MigrationToolName;
  generic?: {
    table: string;
    versionColumn: string;
    checksumColumn?: string;
    algorithm?: ChecksumAlgorithm;
    successColumn?: string;
  };
}

const TOOLS: Record<Exclude<MigrationToolName, 'generic'>, MigrationTool> = {
  flyway: flywayTool,
  knex: knexTool,
  'node-pg-migrate': nodePgMigrateTool,
  drizzle: drizzleTool,
  prisma: prismaTool,
  confiture: confitureTool,
};

/** The tool the options name; a `generic` one is built from its table description (validated by the schema). */
export function selectMigrationTool(choice: ToolChoice): MigrationTool {
  if (choice.tool !== 'generic') return TOOLS[choice.tool];
  const { table, versionColumn, checksumColumn, algorithm, successColumn } = choice.generic!;
  return createGenericTool({
    table: parseQualifiedName(table),
    versionColumn,
    ...(checksumColumn ? { checksumColumn } : {}),
    algorithm: algorithm ?? (checksumColumn ? 'sha256' : 'none'),
    ...(successColumn ? { successColumn } : {}),
  });
}

/** The tables to look for: the `table` option alone when set, else where the tool keeps its history. */
export function historyTableCandidates(tool: MigrationTool, table: string | undefined): QualifiedName[] {
  return table === undefined ? tool.historyTables : [parseQualifiedName(table, tool.defaultSchema)];
}
