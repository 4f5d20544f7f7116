import type { Queryable } from '../checks/check.js';
import {
  displayIdent,
  formatQualifiedName,
  isQualifiedName,
  parseQualifiedName,
  quoteIdent,
  quoteQualifiedName,
} from '../checks/relation-names.js';
import { ConfigError } from '../errors.js';
import type { ManifestTimestamp } from './manifest-schema.js';

export interface ColumnName {
  schema: string;
  table: string;
  column: string;
}

const TEMPORAL_TYPES = ['timestamp with time zone', 'timestamp without time zone', 'date'];

/** `schema.table.column` (or `table.column` in schema public), with SQL's rules: unquoted parts fold to lower case. */
export function parseColumnName(text: string): ColumnName {
  const dot = lastDotOutsideQuotes(text.trim());
  const tablePart = dot < 0 ? '' : text.trim().slice(0, dot);
  const column = dot < 0 ? undefined : parseIdentifier(text.trim().slice(dot + 1));
  if (column === undefined || !isQualifiedName(tablePart)) {
    throw new ConfigError('INVALID_COLUMN_NAME', `"${text}" is not a column name`, {
      hint: 'write schema.table.column, e.g. shop.orders.created_at; quote mixed-case names: "Sales"."Orders"."CreatedAt"',
    });
  }
  const { schema, name } = parseQualifiedName(tablePart);
  return { schema, table: name, column };
}

export function formatColumnName({ schema, table, column }: ColumnName): string {
  return `${formatQualifiedName({ schema, name: table })}.${displayIdent(column)}`;
}

/**
 * The newest value of each column, read in UTC. A column that is missing or not a date/time type is an
 * error, or with `missing: 'skip'` left out (a comparison then reports it as missing).
 */
export async function readTimestamps(
  db: Queryable,
  columns: ColumnName[],
  missing: 'error' | 'skip',
): Promise<ManifestTimestamp[]> {
  const found: ManifestTimestamp[] = [];
  for (const name of columns) {
    const type = await lookupColumnType(db, name);
    if (type === undefined || !TEMPORAL_TYPES.includes(type)) {
      if (missing === 'skip') continue;
      throw unusableColumn(name, type);
    }
    const column = quoteIdent(name.column);
    const [row] = await db.query<{ max: string | null; epoch: number | string | null }>(
      `select max(${column})::text as max, extract(epoch from max(${column}))::float8 as epoch
       from ${quoteQualifiedName({ schema: name.schema, name: name.table })}`,
    );
    const epoch = row?.epoch === null || row?.epoch === undefined ? null : Number(row.epoch);
    // ±infinity has no epoch in JSON: keep the text, which compares by equality.
    found.push({ ...name, max: row?.max ?? null, epoch: epoch !== null && Number.isFinite(epoch) ? epoch : null });
  }
  return found;
}

async function lookupColumnType(db: Queryable, name: ColumnName): Promise<string | undefined> {
  const rows = await db.query<{ type: string }>(
    `select format_type(a.atttypid, null) as type from pg_attribute a
     join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = $1 and c.relname = $2 and a.attname = $3 and a.attnum > 0 and not a.attisdropped`,
    [name.schema, name.table, name.column],
  );
  return rows[0]?.type;
}

function unusableColumn(name: ColumnName, type: string | undefined): ConfigError {
  const column = formatColumnName(name);
  return type === undefined
    ? new ConfigError('TIMESTAMP_COLUMN_NOT_FOUND', `column ${column} does not exist`, {
        hint: 'name an existing column as schema.table.column',
      })
    : new ConfigError(
        'TIMESTAMP_COLUMN_NOT_TEMPORAL',
        `column ${column} is ${type}, expected timestamptz, timestamp or date`,
        {
          hint: 'name a date/time column: its newest value tells how recent the backup is',
        },
      );
}

function lastDotOutsideQuotes(text: string): number {
  let quoted = false;
  let last = -1;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (text[i] === '.' && !quoted) last = i;
  }
  return last;
}

function parseIdentifier(text: string): string | undefined {
  if (text.startsWith('"') && text.endsWith('"') && text.length > 2) {
    const inner = text.slice(1, -1);
    return inner.replaceAll('""', '').includes('"') ? undefined : inner.replaceAll('""', '"');
  }
  return /^[^"\s.]+$/.test(text) ? text.toLowerCase() : undefined;
}
