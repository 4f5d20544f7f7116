import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isNode } from 'yaml';
import { z } from 'zod';
import type { CheckDefinition } from '../checks/check.js';
import { ConfigError } from '../errors.js';
import { formatPath, interpolateEnv, type InterpolationProblem } from './interpolate-env.js';
import { resolveSuite } from './resolve-suite.js';
import type { ResolvedSuite } from './resolved-suite.js';
import { parseSuiteYaml, refuseHugeSuite } from './parse-suite-yaml.js';
import { buildSuiteSchema } from './suite-schema.js';
import { checkSuiteRules } from './suite-rules.js';
import { knownKeysAt, unknownKeysMessage } from './suggest-key.js';

export interface LoadSuiteOptions {
  checks: readonly CheckDefinition<unknown>[];
  /** Environment for `${VAR}` interpolation. @default process.env */
  env?: Record<string, string | undefined>;
}

/**
 * File → YAML → ${ENV} → schema → rules → ResolvedSuite. Every problem is collected and thrown once,
 * each with its path and line: `drills[1].source.pgdump.prefix (line 12): expected string`.
 */
export async function loadSuite(file: string, options: LoadSuiteOptions): Promise<ResolvedSuite> {
  const path = resolve(file);
  let text: string;
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw new ConfigError(
      'SUITE_NOT_FOUND',
      `cannot read suite file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      {
        hint: 'check the path given to pgdrill',
      },
    );
  }
  // Refused before it is read into memory.
  refuseHugeSuite(size, path);
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      'SUITE_NOT_FOUND',
      `cannot read suite file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      {
        hint: 'check the path given to pgdrill',
      },
    );
  }
  const { doc, lineCounter, value } = parseSuiteYaml(text, path);
  const lineOf = (p: (string | number)[]): string => {
    for (let n = p.length; n >= 0; n--) {
      const node = doc.getIn(p.slice(0, n), true);
      if (isNode(node) && node.range) return ` (line ${lineCounter.linePos(node.range[0]).line})`;
    }
    return '';
  };
  const problems: InterpolationProblem[] = [];
  const raw = interpolateEnv(value, options.env ?? process.env, problems);
  const describe = (list: { path: (string | number)[]; message: string }[]) =>
    list.map((p) => `${formatPath(p.path)}${lineOf(p.path)}: ${p.message}`);

  const schema = buildSuiteSchema(options.checks);
  const parsed = schema.safeParse(raw ?? {});
  let jsonSchema: Record<string, unknown> | undefined;
  // An unknown key names the nearest key allowed at its place that the object does not already have.
  const otherKeysAt = (path: (string | number)[]) => {
    jsonSchema ??= z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    const here = valueAt(raw, path);
    return knownKeysAt(jsonSchema, path).filter(
      (k) => here === null || typeof here !== 'object' || !Object.hasOwn(here, k),
    );
  };
  const schemaProblems = parsed.success
    ? []
    : parsed.error.issues.flatMap(unionBranch).map((issue) => {
        const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
        return {
          path,
          message:
            issue.code === 'unrecognized_keys' ? unknownKeysMessage(issue.keys, otherKeysAt(path)) : issue.message,
        };
      });
  const ruleProblems = parsed.success ? checkSuiteRules(parsed.data) : [];
  const all = [...problems, ...schemaProblems, ...ruleProblems];
  if (all.length > 0 || !parsed.success) {
    throw new ConfigError('SUITE_INVALID', `${path} has ${all.length} problem${all.length === 1 ? '' : 's'}`, {
      details: describe(all),
      hint: 'fix the suite; docs/reference/suite.md and schema/suite.schema.json list every field',
    });
  }
  return resolveSuite(parsed.data, { file: path, dir: dirname(path), checks: options.checks });
}

/**
 * A union (`notify: [...]` or `notify: { channels }`) fails as one "Invalid input": report instead the
 * problems of the branch whose shape matched (its issues are not a type mismatch at the union itself).
 */
function unionBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  const matched = issue.errors.filter(
    (branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0),
  );
  if (matched.length !== 1) return [issue];
  return matched[0]!.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as z.core.$ZodIssue).flatMap(unionBranch);
}

function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>(
    (v, step) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[step] : undefined),
    value,
  );
}
