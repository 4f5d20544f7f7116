import { resolve } from 'node:path';
import { z } from 'zod';
import { defineCheck } from './check.js';
import { displayIdent } from './relation-names.js';
import { diffSchemaSnapshots } from './schema-diff.js';
import { captureSchemaSnapshot, readSchemaSnapshot, type SchemaSnapshot } from './schema-snapshot.js';

const schemaDriftOptions = z.strictObject({
  snapshot: z
    .string()
    .min(1)
    .describe(
      'JSON schema snapshot of the source database (written by writeSchemaSnapshot), relative to the suite file.',
    ),
  schemas: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe(
      'Schemas compared (exact names); extensions are always compared. Default: every schema except the system ones.',
    ),
  ignore: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'Objects left out of the comparison: `schema.table`, `schema.table.column` (or index or constraint name), an extension name, ' +
        '`schema.function(argument types)`; `*` matches any characters, e.g. `audit.*` or `shop.events_*`.',
    ),
});

export type SchemaDriftOptions = z.output<typeof schemaDriftOptions>;

/** Drift lines shown in the message; details have all of them. */
const SHOWN = 3;

export const schemaDriftCheck = defineCheck({
  type: 'schemaDrift',
  description:
    "Compares the restored schema (tables, columns, indexes, constraints, extensions, functions) with a snapshot of the source database's schema.",
  options: schemaDriftOptions,
  label: (options) =>
    `schemaDrift ${options.snapshot}${options.schemas ? ` in ${options.schemas.map(displayIdent).join(', ')}` : ''}`,
  async run({ db: readOnly, admin, suiteDir }, options) {
    const db = admin ?? readOnly;
    const expected = narrowSchemaSnapshot(await readSchemaSnapshot(resolve(suiteDir, options.snapshot)), options);
    const actual = narrowSchemaSnapshot(await captureSchemaSnapshot(db, options.schemas), options);
    const drift = diffSchemaSnapshots(expected, actual);
    const compared = [
      plural(Object.keys(expected.tables).length, 'table'),
      plural(expected.extensions.length, 'extension'),
      plural(expected.functions.length, 'function'),
    ].join(', ');
    const expectedText = `the schema of ${options.snapshot} (${compared})`;
    if (drift.length === 0) {
      return {
        status: 'passed',
        message: `schema matches ${options.snapshot}: ${compared} compared`,
        expected: expectedText,
        actual: 'no drift',
      };
    }
    const more = drift.length > SHOWN ? `; and ${drift.length - SHOWN} more` : '';
    return {
      status: 'failed',
      message: `schema differs from ${options.snapshot} in ${plural(drift.length, 'way')}: ${drift.slice(0, SHOWN).join('; ')}${more}`,
      expected: expectedText,
      actual: plural(drift.length, 'difference'),
      details: drift,
    };
  },
});

/** The part of a snapshot the check compares: the schemas asked for, minus what `ignore` names. */
export function narrowSchemaSnapshot(
  snapshot: SchemaSnapshot,
  scope: { schemas?: string[]; ignore: string[] },
): SchemaSnapshot {
  const patterns = scope.ignore.map(toPattern);
  const ignored = (name: string) => patterns.some((pattern) => pattern.test(name));
  const inScope = (qualified: string) =>
    scope.schemas === undefined || scope.schemas.includes(leadingSchema(qualified));
  const tables: SchemaSnapshot['tables'] = {};
  for (const [name, table] of Object.entries(snapshot.tables)) {
    if (!inScope(name) || ignored(name)) continue;
    const keep = <T extends { name: string }>(items: T[]) =>
      items.filter((item) => !ignored(`${name}.${displayIdent(item.name)}`));
    tables[name] = { columns: keep(table.columns), indexes: keep(table.indexes), constraints: keep(table.constraints) };
  }
  return {
    version: 1,
    tables,
    extensions: snapshot.extensions.filter((e) => !ignored(e.name)),
    functions: snapshot.functions.filter((f) => inScope(f.signature) && !ignored(f.signature)),
  };
}

/** `*` matches any characters; everything else matches itself. */
function toPattern(glob: string): RegExp {
  const source = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`);
}

/** The schema of `schema.rest` or `"Quoted ""schema""".rest`, unquoted. */
function leadingSchema(qualified: string): string {
  if (!qualified.startsWith('"')) return qualified.slice(0, qualified.indexOf('.'));
  const close = /^"((?:[^"]|"")*)"/.exec(qualified);
  return close ? close[1]!.replaceAll('""', '"') : qualified;
}

function plural(count: number, singular: string): string {
  return `${count} ${count === 1 ? singular : `${singular}s`}`;
}
