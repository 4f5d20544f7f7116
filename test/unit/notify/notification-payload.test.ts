import { expect, test } from 'vitest';
import { buildNotificationPayload } from '../../../src/notify/notification-payload.js';
import { buildSlackMessage } from '../../../src/notify/slack-message.js';
import { failing, passing, runOf, suite } from '../history/run-fixture.js';

const run = runOf(passing, failing);

test('the webhook payload: suite, verdict, exit code, per drill status, failed checks with expected/actual, RTO/RPO, host, time', () => {
  const payload = buildNotificationPayload({
    suite,
    run,
    reportUrl: 'https://ci.example/run/7/report.html',
    host: 'ci-runner-3',
  });
  expect(payload).toMatchObject({
    kind: 'pgdrill.run',
    version: 1,
    suite: 'nightly',
    verdict: 'failed',
    exitCode: 1,
    host: 'ci-runner-3',
    startedAt: '2026-11-20T03:00:00.000Z',
    finishedAt: '2026-11-20T03:03:00.000Z',
    reportUrl: 'https://ci.example/run/7/report.html',
    objectives: { rtoSeconds: 3600, rpoSeconds: 900 },
    totals: { drills: 2, passed: 1, failed: 1, error: 0 },
  });
  expect(payload.drills[0]).toEqual({
    name: 'orders-pitr',
    status: 'passed',
    restoreSeconds: 95.5,
    replaySeconds: 40,
    rpoSeconds: 300,
    backupAgeSeconds: 3600,
    backupKey: 'base/20261119',
    failedChecks: [],
  });
  expect(payload.drills[1]!.failedChecks).toEqual([
    {
      name: 'rows public.orders >= 1000',
      type: 'rows',
      status: 'failed',
      expected: '>= 1000',
      actual: '12',
      message: 'public.orders has 12 rows, expected at least 1000',
    },
  ]);
});

test('the Slack message: a text line, a section per drill with failed checks, the report link', () => {
  const message = buildSlackMessage(
    buildNotificationPayload({ suite, run, reportUrl: 'https://ci.example/r?a=1&b=<2>', host: 'ci' }),
  );
  expect(message.text).toBe('❌ pgdrill nightly: failed (exit 1) — 1 of 2 drills passed');
  const texts = JSON.stringify(message.blocks);
  expect(texts).toContain('*orders-dump*: failed · RTO 30s (objective 1h)');
  expect(texts).toContain(
    'rows public.orders &gt;= 1000: public.orders has 12 rows, expected at least 1000 (expected &gt;= 1000, actual 12)',
  );
  expect(texts).toContain('RPO 5m (objective 15m)');
  expect(texts).toContain('|report>');
  expect(texts).not.toContain('<2>');
  const passed = buildSlackMessage(buildNotificationPayload({ suite, run: runOf(passing), host: 'ci' }));
  expect(passed.text).toBe('✅ pgdrill nightly: passed (exit 0) — 1 of 1 drills passed');
});
