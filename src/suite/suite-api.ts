import { z } from 'zod';
import type { CheckDefinition } from '../checks/check.js';
import { builtinChecks } from '../checks/index.js';
import { loadSuite } from './load-suite.js';
import type { ResolvedSuite } from './resolved-suite.js';
import { allowEnvPlaceholders } from './editor-json-schema.js';
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

export { describeDrill } from './describe-drill.js';

/**
 * The suite format as JSON Schema draft-07 (what VS Code's YAML extension and most editors support), for
 * suites as written: a `${VAR}` placeholder passes wherever a string value is checked.
 */
export function suiteJsonSchema(checks: CheckDefinition<unknown>[] = builtinChecks): object {
  return allowEnvPlaceholders(
    z.toJSONSchema(buildSuiteSchema(checks), { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >,
  );
}
