import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCheck, type CheckContext } from '../../../src/checks/check.js';
import { formatPgError, runCheck } from '../../../src/checks/run-check.js';
import { DrillError } from '../../../src/errors.js';

const context: CheckContext = {
  db: { query: async () => [] },
  database: 'app',
  restoreSeconds: 1,
  objectives: {},
  suiteDir: '.',
};

function checkThat(run: () => Promise<never> | Promise<{ status: 'passed' | 'failed'; message: string }>) {
  return defineCheck({ type: 'probe', description: 'test', options: z.strictObject({}), label: () => 'probe x', run });
}

/** What node-postgres throws: an Error carrying the server's fields. */
function pgError(fields: Record<string, string>): Error {
  return Object.assign(new Error(fields.message), fields);
}

describe('runCheck', () => {
  it('passes the outcome through with the label, type and a duration', async () => {
    const result = await runCheck(
      checkThat(async () => ({ status: 'failed', message: 'no' })),
      {},
      context,
    );
    expect(result).toEqual({
      name: 'probe x',
      type: 'probe',
      status: 'failed',
      message: 'no',
      durationMs: expect.any(Number),
    });
  });

  it('turns a PostgreSQL error into status error with severity, SQLSTATE, detail and hint', async () => {
    const error = pgError({
      severity: 'ERROR',
      code: '23505',
      message: 'duplicate key value violates unique constraint "x"',
      detail: 'Key (id)=(1) already exists.',
      hint: 'try again',
    });
    const result = await runCheck(
      checkThat(() => Promise.reject(error)),
      {},
      context,
    );
    expect(result).toMatchObject({
      status: 'error',
      message: 'ERROR 23505: duplicate key value violates unique constraint "x"',
      details: ['detail: Key (id)=(1) already exists.', 'hint: try again'],
    });
  });

  it('keeps the code and hint of a DrillError', async () => {
    const error = new DrillError('CHECK_FAILED_TO_RUN', 'could not read', { hint: 'look', details: ['a line'] });
    const result = await runCheck(
      checkThat(() => Promise.reject(error)),
      {},
      context,
    );
    expect(result).toMatchObject({
      status: 'error',
      message: 'CHECK_FAILED_TO_RUN: could not read',
      details: ['a line', 'hint: look'],
    });
  });

  it('never throws, even for a bug', async () => {
    const result = await runCheck(
      checkThat(() => Promise.reject(new TypeError('x is undefined'))),
      {},
      context,
    );
    expect(result).toMatchObject({ status: 'error', message: 'TypeError: x is undefined' });
    expect(result.details?.[0]).toMatch(/^at /);
  });

  it('skips when the drill was already cancelled', async () => {
    const signal = AbortSignal.abort();
    const result = await runCheck(
      checkThat(() => Promise.reject(new Error('must not run'))),
      {},
      { ...context, signal },
    );
    expect(result).toMatchObject({ status: 'skipped', message: 'not run: the drill was cancelled' });
  });

  it('formats a pg error without optional fields', () => {
    expect(formatPgError({ severity: 'FATAL', code: '57P01', message: 'terminating connection' })).toEqual({
      message: 'FATAL 57P01: terminating connection',
      details: [],
    });
  });
});
