import { z } from 'zod';
import type { CheckDefinition } from '../checks/check.js';
import { builtinChecks } from '../checks/index.js';
import { loadSuite } from './load-suite.js';
import type { ResolvedDrill, ResolvedSuite } from './resolved-suite.js';
import { buildSuiteSchema } from './suite-schema.js';

/** Load several suite files with the built-in checks (plus any custom ones). */
export async function loadSuites(
  files: string[],
  options: { checks?: CheckDefinition<unknown>[]; env?: Record<string, string | undefined> } = {},
): Promise<ResolvedSuite[]> {
  const checks = [...builtinChecks, ...(options.checks ?? [])];
  return Promise.all(files.map((file) => loadSuite(file, { checks, env: options.env })));
}

/** Same as loadSuites, for `pgdrill validate`: throws the ConfigError listing every problem. */
export const validateSuites = loadSuites;

/** One line per drill for `pgdrill list`: what it would restore and check. */
export function describeDrill(drill: ResolvedDrill): string {
  const archives = drill.source.archives
    .map((a) => {
      const what = a.key ?? `${a.pick} under "${a.prefix ?? ''}"${a.pattern ? ` matching /${a.pattern}/` : ''}`;
      const extras = [a.format !== 'auto' ? a.format : '', a.decrypt ? `decrypt ${a.decrypt.openssl}` : '', a.dataOnly ? 'data only' : '', a.schemaOnly ? 'schema only' : ''].filter(Boolean);
      return extras.length ? `${what} (${extras.join(', ')})` : what;
    })
    .join(', then ');
  const only = drill.source.options.only ? ` · only ${[...(drill.source.options.only.schemas ?? []), ...(drill.source.options.only.tables ?? [])].join(', ')}` : '';
  return `${drill.name}: pg_dump ${archives} from store ${drill.source.store}${only} · ${drill.checks.length} check${drill.checks.length === 1 ? '' : 's'} (${drill.checks.map((c) => c.type).join(', ') || 'none'})`;
}

/** The suite format as JSON Schema (draft 2020-12), for editors. */
export function suiteJsonSchema(checks: CheckDefinition<unknown>[] = builtinChecks): object {
  return z.toJSONSchema(buildSuiteSchema(checks), { io: 'input', unrepresentable: 'any' });
}
