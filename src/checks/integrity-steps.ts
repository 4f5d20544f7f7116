import type { Queryable } from './check.js';
import { formatPgError, isPgError } from './run-check.js';

/** One statement against one relation; resolves to the problems it found (none: the relation is sound). */
export interface IntegrityStep {
  kind: 'heap' | 'index' | 'read';
  /** The relation checked, as messages list it: `public.orders_pkey`. */
  relation: string;
  /** `index public.orders_pkey on public.orders`, `public.orders`: how problems name the relation. */
  subject: string;
  /** What the step does, for messages: `bt_index_check`, `verify_heapam`, `the full read`. */
  action: string;
  run(): Promise<string[]>;
}

export interface StepsResult {
  /** One line per problem, each starting with the subject it is about. */
  problems: string[];
  /** Relations with at least one problem, in order. */
  damaged: string[];
  done: Record<IntegrityStep['kind'], number>;
  /** Set when the connection died: the line saying where, and how many steps did not run. */
  lost?: { line: string; notRun: number };
}

// Not corruption but a reason the check cannot go on: connection, syntax or privileges, resources, cancel/shutdown.
const CANNOT_RUN_CLASSES = ['08', '42', '53', '57'];

/**
 * Runs each step as its own statement (the drill's connection autocommits, so an amcheck ERROR on one relation
 * does not abort the others) and records an ERROR as a problem of that relation. A server process that crashes
 * on a corrupt page takes the connection with it: that is reported as a problem too, and the rest is skipped.
 */
export async function runIntegritySteps(
  db: Queryable,
  steps: IntegrityStep[],
  signal?: AbortSignal,
): Promise<StepsResult> {
  const result: StepsResult = { problems: [], damaged: [], done: { heap: 0, index: 0, read: 0 } };
  for (const [i, step] of steps.entries()) {
    signal?.throwIfAborted();
    let lines: string[];
    try {
      lines = await step.run();
    } catch (error) {
      if (isPgError(error) && !CANNOT_RUN_CLASSES.includes(error.code.slice(0, 2))) {
        const { message, details } = formatPgError(error);
        lines = [`${step.subject}: ${step.action} raised ${[message, ...details].join('; ')}`];
      } else if (!isPgError(error) && !signal?.aborted && !(await isAlive(db))) {
        const line = `${step.subject}: the connection was lost during ${step.action} (the server process most likely crashed on a corrupt page; see the server log)`;
        result.lost = { line, notRun: steps.length - i - 1 };
        record(result, step.relation, [line]);
        break;
      } else {
        throw error;
      }
    }
    result.done[step.kind]++;
    record(result, step.relation, lines);
  }
  return result;
}

function record(result: StepsResult, relation: string, lines: string[]): void {
  if (lines.length === 0) return;
  result.problems.push(...lines);
  if (!result.damaged.includes(relation)) result.damaged.push(relation);
}

async function isAlive(db: Queryable): Promise<boolean> {
  try {
    await db.query('select 1');
    return true;
  } catch {
    return false;
  }
}
