import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CheckDefinition } from '../checks/check.js';
import { isDrillError } from '../errors.js';
import { formatPath, interpolateEnv, type InterpolationProblem } from '../suite/interpolate-env.js';
import { loadSuite } from '../suite/load-suite.js';
import { parseSuiteYaml } from '../suite/parse-suite-yaml.js';
import type { ResolvedSuite } from '../suite/resolved-suite.js';

/** One environment variable a suite depends on, and where. */
export interface EnvReference {
  name: string;
  /** Where in the suite: `['storage', 'prod', 's3', 'bucket']`. */
  path: (string | number)[];
  /** `${VAR}` in a value, or the name given to a `*Env` key (a secret read at run time). */
  via: 'placeholder' | 'key';
  /** Set and non-empty, or (placeholder) a `${VAR:-default}` default applies. */
  set: boolean;
  /** `${VAR:-default}` with VAR unset: the default is used. */
  defaulted?: boolean;
}

export interface PreflightSuite {
  suite: ResolvedSuite;
  env: EnvReference[];
}

// Stands in for an unset variable so the rest of the suite can be resolved and checked; anything that uses
// it is reported as not checked, never probed.
const STAND_IN = 'pgdrill-doctor-unset';
const URL_STAND_IN = 'https://pgdrill-doctor-unset.invalid';

/**
 * Load a suite for the preflight: an unset variable is a finding, not the end (validate stops at it). Every
 * `${VAR}` and `*Env` reference is listed with whether it is set; unset ones get a stand-in value that the
 * schema accepts, so stores, backups and engines that do not depend on them are still checked.
 */
export async function loadSuiteForPreflight(
  file: string,
  options: { checks: readonly CheckDefinition<unknown>[]; env: Record<string, string | undefined> },
): Promise<PreflightSuite> {
  const { env } = options;
  const path = resolve(file);
  const { value } = parseSuiteYaml(await readFile(path, 'utf8'), path);
  const placeholders = placeholdersOf(value, env);
  const missing = new Map(placeholders.filter((p) => !p.set).map((p) => [p.name, p]));
  const standIns: Record<string, string> = {};
  for (const name of missing.keys()) standIns[name] = STAND_IN;
  let suite: ResolvedSuite;
  try {
    suite = await loadSuite(file, { checks: options.checks, env: { ...env, ...standIns } });
  } catch (error) {
    // A field that must be a URL rejects the plain stand-in: give the variables there a URL and try once more.
    const details = isDrillError(error) ? error.details : [];
    const atUrl = [...missing.values()].filter((p) => details.some((d) => d.startsWith(formatPath(p.path))));
    if (atUrl.length === 0) throw error;
    for (const p of atUrl) standIns[p.name] = URL_STAND_IN;
    suite = await loadSuite(file, { checks: options.checks, env: { ...env, ...standIns } });
  }
  return { suite, env: [...placeholders, ...envKeysOf(value, env)] };
}

/** Every `${VAR}` of the file with its path, through the loader's own interpolation (so escapes and defaults agree). */
function placeholdersOf(value: unknown, env: Record<string, string | undefined>): EnvReference[] {
  const found: EnvReference[] = [];
  const walk = (node: unknown, at: (string | number)[]): void => {
    if (typeof node === 'string') {
      const asked = new Set<string>();
      const recording = new Proxy(env, {
        get: (target, name) => {
          if (typeof name === 'string') asked.add(name);
          return target[name as string];
        },
      });
      const problems: InterpolationProblem[] = [];
      interpolateEnv(node, recording, problems, at);
      for (const name of asked) {
        const unset = problems.some((p) => p.message.startsWith(`environment variable ${name} `));
        const defaulted = !unset && (env[name] === undefined || env[name] === '');
        found.push({ name, path: at, via: 'placeholder', set: !unset, ...(defaulted ? { defaulted } : {}) });
      }
    } else if (Array.isArray(node)) node.forEach((item, i) => walk(item, [...at, i]));
    else if (node !== null && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, [...at, k]);
  };
  walk(value, []);
  return found;
}

/** Every option whose key ends in `Env` (decrypt.keyEnv, cipherPassEnv, notify/history/metrics urlEnv), as written. */
function envKeysOf(value: unknown, env: Record<string, string | undefined>): EnvReference[] {
  const found: EnvReference[] = [];
  const walk = (node: unknown, at: (string | number)[], depth: number): void => {
    if (depth > 64 || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, [...at, i], depth + 1));
      return;
    }
    for (const [k, v] of Object.entries(node)) {
      if (/Env$/.test(k) && typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v))
        found.push({ name: v, path: [...at, k], via: 'key', set: env[v] !== undefined && env[v] !== '' });
      else walk(v, [...at, k], depth + 1);
    }
  };
  walk(value, [], 0);
  return found;
}
