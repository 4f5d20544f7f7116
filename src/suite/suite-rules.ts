import { checkHistoryRules } from '../history/history-rules.js';
import type { ParsedSuite } from './suite-schema.js';

export interface RuleProblem {
  path: (string | number)[];
  message: string;
}

/** Rules a schema cannot express: cross references and combinations of options. */
export function checkSuiteRules(suite: ParsedSuite): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const seen = new Map<string, number>();
  suite.drills.forEach((drill, i) => {
    const at = (...rest: (string | number)[]) => ['drills', i, ...rest];
    const first = seen.get(drill.name);
    if (first !== undefined)
      problems.push({ path: at('name'), message: `duplicate drill name "${drill.name}" (also drills[${first}])` });
    else seen.set(drill.name, i);

    const storeOf = (kind: string, store: string | undefined, ...path: string[]) => {
      if (store !== undefined && !(store in suite.storage)) {
        const known = Object.keys(suite.storage);
        problems.push({
          path: at('source', kind, ...path),
          message: `unknown store "${store}"; ${known.length ? `defined stores: ${known.join(', ')}` : 'the suite defines no storage'}`,
        });
      }
    };
    const { pgbackrest, basebackup, barmanCloud } = drill.source;
    if (pgbackrest) storeOf('pgbackrest', pgbackrest.store, 'store');
    if (barmanCloud) storeOf('barmanCloud', barmanCloud.store, 'store');
    if (basebackup) {
      storeOf('basebackup', basebackup.store, 'store');
      storeOf('basebackup', basebackup.wal.store, 'wal', 'store');
      problems.push(...regexProblems(basebackup.pattern, at('source', 'basebackup', 'pattern')));
      if ((basebackup.key === undefined) === (basebackup.prefix === undefined))
        problems.push({
          path: at('source', 'basebackup'),
          message: 'give exactly one of key (one base backup directory) or prefix (pick latest/oldest under it)',
        });
    }
    drill.checks.forEach((check, j) => {
      const freshness = (check as { freshness?: { walMaxAge?: unknown } }).freshness;
      if (drill.source.pgdump && freshness?.walMaxAge !== undefined)
        problems.push({
          path: at('checks', j, 'freshness', 'walMaxAge'),
          message:
            'a pg_dump source has no WAL archive; walMaxAge needs a pgbackrest, basebackup or barmanCloud source',
        });
    });
    if (drill.target && drill.source.pgdump)
      problems.push({
        path: at('target'),
        message:
          'a recovery target needs a physical source (pgbackrest, basebackup, barmanCloud); a pg_dump archive has one point in time',
      });
    const pg = drill.source.pgdump;
    if (!pg) return;
    storeOf('pgdump', pg.store, 'store');
    const archives = pg.archives ?? [pg];
    if (pg.archives && (pg.key !== undefined || pg.prefix !== undefined))
      problems.push({ path: at('source', 'pgdump'), message: 'give either key/prefix or archives, not both' });
    archives.forEach((archive, j) => {
      const ap = pg.archives ? at('source', 'pgdump', 'archives', j) : at('source', 'pgdump');
      if ((archive.key === undefined) === (archive.prefix === undefined))
        problems.push({
          path: ap,
          message: 'give exactly one of key (an exact archive) or prefix (pick latest/oldest under it)',
        });
      problems.push(...regexProblems(archive.pattern, [...ap, 'pattern']));
      if (archive.dataOnly && archive.schemaOnly)
        problems.push({ path: ap, message: 'dataOnly and schemaOnly exclude each other' });
      if (archive.decrypt && archive.format === 'directory')
        problems.push({
          path: [...ap, 'decrypt'],
          message: 'encrypted directory-format dumps are not supported; encrypt a custom-format archive instead',
        });
      if (pg.only && archive.format === 'plain')
        problems.push({
          path: at('source', 'pgdump', 'only'),
          message: 'a table-level restore needs a custom, directory or tar archive; plain SQL cannot be filtered',
        });
      if (typeof pg.jobs === 'number' && pg.jobs > 1 && (archive.format === 'tar' || archive.format === 'plain'))
        problems.push({
          path: at('source', 'pgdump', 'jobs'),
          message: `parallel restore is impossible for ${archive.format} archives; use jobs: 1 or auto`,
        });
    });
    const tables = pg.only?.tables ?? [];
    const schemas = new Set(tables.map((t) => (t.includes('.') ? t.split('.')[0] : 'public')));
    if (schemas.size > 1 && !pg.only?.schemas)
      problems.push({
        path: at('source', 'pgdump', 'only', 'tables'),
        message: `tables from several schemas (${[...schemas].join(', ')}) need one drill per schema (pg_restore -n/-t)`,
      });
  });
  problems.push(...checkHistoryRules(suite));
  return problems;
}

/** A `pattern` is compiled here once, so a bad one fails `validate` instead of the drill. */
function regexProblems(pattern: string | undefined, path: (string | number)[]): RuleProblem[] {
  if (pattern === undefined) return [];
  try {
    new RegExp(pattern);
    return [];
  } catch (error) {
    const why = error instanceof Error ? error.message.replace(/^Invalid regular expression: /, '') : String(error);
    return [
      {
        path,
        message: `not a valid regular expression: ${why} (JavaScript syntax; escape a literal dot or bracket with \\)`,
      },
    ];
  }
}
