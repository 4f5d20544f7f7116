import type { Queryable } from '../../../src/checks/check.js';

type Answer = unknown[] | ((params: unknown[] | undefined, sql: string) => unknown[]);

/** A Queryable answering by the first pattern that matches the SQL; an unexpected query fails the test. */
export function fakeDb(answers: [RegExp, Answer][]): Queryable & { queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    async query<R>(sql: string, params?: unknown[]): Promise<R[]> {
      queries.push(sql);
      const hit = answers.find(([pattern]) => pattern.test(sql));
      if (!hit) throw new Error(`unexpected query: ${sql}`);
      const answer = hit[1];
      return (typeof answer === 'function' ? answer(params, sql) : answer) as R[];
    },
  };
}
