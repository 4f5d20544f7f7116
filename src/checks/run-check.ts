import { performance } from 'node:perf_hooks';
import { isDrillError } from '../errors.js';
import type { CheckResult } from '../results.js';
import type { CheckContext, CheckDefinition } from './check.js';

/** The fields of a node-postgres DatabaseError that say what the server refused and why. */
interface PgErrorFields {
  severity: string;
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  where?: string;
}

/**
 * Runs one check with already-validated options and never throws: a check that does not hold comes back
 * `failed`, one that could not run (SQL error, lost connection, a bug) comes back `error` with the reason.
 */
export async function runCheck<O>(
  definition: CheckDefinition<O>,
  options: O,
  context: CheckContext,
): Promise<CheckResult> {
  const started = performance.now();
  const base = { name: labelOf(definition, options), type: definition.type };
  const elapsed = () => Math.round(performance.now() - started);
  if (context.signal?.aborted) {
    return { ...base, status: 'skipped', message: 'not run: the drill was cancelled', durationMs: 0 };
  }
  try {
    const outcome = await definition.run(context, options);
    return { ...base, ...outcome, durationMs: elapsed() };
  } catch (error) {
    // The drill was cancelled or timed out under the check: the check was cut short, it did not err.
    if (context.signal?.aborted)
      return { ...base, status: 'skipped', message: 'not finished: the drill was stopped', durationMs: elapsed() };
    const { message, details } = describeError(error);
    return { ...base, status: 'error', message, details, durationMs: elapsed() };
  }
}

/** A check that was never started, and why (the drill was cancelled, the server died under an earlier one). */
export function skippedCheck<O>(definition: CheckDefinition<O>, options: O, reason: string): CheckResult {
  return {
    name: labelOf(definition, options),
    type: definition.type,
    status: 'skipped',
    message: reason,
    durationMs: 0,
  };
}

/** `ERROR 42P01: relation "x" does not exist`, with detail and hint as lines. */
export function formatPgError(error: PgErrorFields): { message: string; details: string[] } {
  const details: string[] = [];
  if (error.detail) details.push(`detail: ${error.detail}`);
  if (error.hint) details.push(`hint: ${error.hint}`);
  if (error.where) details.push(`where: ${error.where}`);
  return { message: `${error.severity} ${error.code}: ${error.message}`, details };
}

export function isPgError(error: unknown): error is PgErrorFields {
  if (!(error instanceof Error)) return false;
  const fields = error as Partial<PgErrorFields>;
  return typeof fields.severity === 'string' && typeof fields.code === 'string' && /^[0-9A-Z]{5}$/.test(fields.code);
}

function describeError(error: unknown): { message: string; details: string[] } {
  if (isPgError(error)) return formatPgError(error);
  if (isDrillError(error)) {
    return {
      message: `${error.code}: ${error.message}`,
      details: [...error.details, ...(error.hint ? [`hint: ${error.hint}`] : [])],
    };
  }
  if (error instanceof Error) {
    // Not a database refusal: most likely a bug or a lost connection, so keep where it happened.
    const stack = (error.stack ?? '')
      .split('\n')
      .slice(1, 6)
      .map((line) => line.trim());
    return { message: `${error.name}: ${error.message}`, details: stack };
  }
  return { message: String(error), details: [] };
}

function labelOf<O>(definition: CheckDefinition<O>, options: O): string {
  try {
    return definition.label(options);
  } catch {
    return definition.type;
  }
}
