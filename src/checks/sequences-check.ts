import { OWNED_SEQUENCES_FROM } from './owned-sequences-sql.js';
import { z } from 'zod';
import { defineCheck, type Queryable } from './check.js';
import {
  displayIdent,
  formatQualifiedName,
  isQualifiedName,
  parseQualifiedName,
  quoteIdent,
  quoteQualifiedName,
  userSchemaCondition,
} from './relation-names.js';

const sequencesOptions = z.strictObject({
  schemas: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe('Schemas whose sequences are checked (exact names). Default: every schema except the system ones.'),
  ignore: z
    .array(z.string().refine(isQualifiedName, 'expected schema.sequence or sequence (schema public)'))
    .default([])
    .describe('Sequences not to check: `schema.sequence`, or `sequence` in schema public.'),
});

export type SequencesOptions = z.output<typeof sequencesOptions>;

interface SequenceRow {
  seq_schema: string;
  seq_name: string;
  increment: string;
  table_schema: string | null;
  table_name: string | null;
  column_name: string | null;
  column_type: string | null;
}

interface Measured {
  sequence: string;
  owner: string;
  detail: string;
  collides: boolean;
}

const INTEGER_TYPES = new Set(['smallint', 'integer', 'bigint', 'numeric']);

// Every sequence in scope, with the column that owns it (serial: deptype 'a'; identity: deptype 'i').
const LIST_SEQUENCES = `
select sn.nspname as seq_schema, s.relname as seq_name, ps.seqincrement::text as increment,
       tn.nspname as table_schema, t.relname as table_name, a.attname as column_name,
       format_type(a.atttypid, null) as column_type
${OWNED_SEQUENCES_FROM}
where s.relkind = 'S' and (case when $1::text[] is null then ${userSchemaCondition('sn.nspname')} else sn.nspname = any($1) end)
order by 1, 2`;

export const sequencesCheck = defineCheck({
  type: 'sequences',
  description:
    'Verifies that every sequence owned by a column (serial, identity) is ahead of the values in that column, so the next insert does not collide.',
  options: sequencesOptions,
  label: (options) => (options.schemas ? `sequences in ${options.schemas.map(displayIdent).join(', ')}` : 'sequences'),
  async run({ db }, options) {
    const ignored = new Set(options.ignore.map((text) => formatQualifiedName(parseQualifiedName(text))));
    const rows = await db.query<SequenceRow>(LIST_SEQUENCES, [options.schemas ?? null]);
    const measured: Measured[] = [];
    const notes: string[] = [];
    for (const row of rows) {
      const sequence = formatQualifiedName({ schema: row.seq_schema, name: row.seq_name });
      if (ignored.has(sequence)) notes.push(`ignored: ${sequence}`);
      else if (row.table_name === null) notes.push(`unchecked: ${sequence} (not owned by a column)`);
      else if (!INTEGER_TYPES.has(row.column_type ?? ''))
        notes.push(`unchecked: ${sequence} (owner column is ${row.column_type})`);
      else measured.push(await measureSequence(db, row, sequence));
    }
    const behind = measured.filter((m) => m.collides);
    const expected = 'next nextval() beyond every value in the owning column';
    if (behind.length === 0) {
      return {
        status: 'passed',
        message: `${plural(measured.length, 'owned sequence')} checked: each is ahead of its column${uncheckedSuffix(rows.length - measured.length)}`,
        expected,
        actual: `0 of ${measured.length} behind`,
        details: notes,
      };
    }
    const names = listSome(behind.map((m) => m.sequence));
    return {
      status: 'failed',
      message: `${behind.length} of ${measured.length} owned sequences are behind their column, the next nextval() returns a value already used: ${names}`,
      expected,
      actual: `${behind.length} behind: ${names}`,
      details: [...behind.map((m) => `${m.sequence} (${m.owner}): ${m.detail}`), ...notes],
    };
  },
});

async function measureSequence(db: Queryable, row: SequenceRow, sequence: string): Promise<Measured> {
  const table = { schema: row.table_schema!, name: row.table_name! };
  const column = quoteIdent(row.column_name!);
  const [state] = await db.query<{
    last_value: string;
    is_called: boolean;
    max_value: string | null;
    min_value: string | null;
  }>(
    `select s.last_value::text as last_value, s.is_called, m.max_value, m.min_value
     from ${quoteQualifiedName({ schema: row.seq_schema, name: row.seq_name })} s,
          (select max(${column})::text as max_value, min(${column})::text as min_value from ${quoteQualifiedName(table)}) m`,
  );
  const owner = `${formatQualifiedName(table)}.${displayIdent(row.column_name!)}`;
  if (!state) throw new Error(`sequence ${sequence} returned no row`);
  const increment = BigInt(row.increment);
  const lastValue = BigInt(state.last_value);
  const next = state.is_called ? lastValue + increment : lastValue;
  // A descending sequence collides with the smallest value, an ascending one with the largest.
  const edgeText = increment > 0n ? state.max_value : state.min_value;
  const edge = edgeText === null ? undefined : toBigInt(edgeText);
  const collides = edge !== undefined && (increment > 0n ? next <= edge : next >= edge);
  const edgeName = increment > 0n ? 'max' : 'min';
  return {
    sequence,
    owner,
    collides,
    detail: `last_value=${state.last_value}, is_called=${state.is_called}, ${edgeName}=${edgeText ?? 'null'}, next nextval()=${next}`,
  };
}

// A numeric column may hold fractions; a sequence only yields integers, so the integer part decides.
function toBigInt(text: string): bigint {
  const [integer] = text.split('.');
  return BigInt(integer ?? '0');
}

function uncheckedSuffix(count: number): string {
  return count > 0 ? `; ${plural(count, 'other sequence')} not checked (see details)` : '';
}

function listSome(names: string[], shown = 5): string {
  return names.length <= shown
    ? names.join(', ')
    : `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}

function plural(count: number, word: string): string {
  return `${count} ${count === 1 ? word : `${word}s`}`;
}
