import { afterEach, expect, test } from 'vitest';
import type { DrillEvent } from '../../../src/events.js';
import { publishRun } from '../../../src/notify/publish-run.js';
import { sendNotifications } from '../../../src/notify/send-notifications.js';
import type { ResolvedChannel } from '../../../src/notify/notify-options.js';
import type { ResolvedSuite } from '../../../src/suite/resolved-suite.js';
import { failing, passing, runOf, suite } from '../../unit/history/run-fixture.js';
import { startRecordingServer, type Behaviour, type RecordingServer } from './recording-server.js';

const servers: RecordingServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(behaviour?: Behaviour): Promise<RecordingServer> {
  const s = await startRecordingServer(behaviour);
  servers.push(s);
  return s;
}

const channel = (kind: 'webhook' | 'slack', urlEnv: string, more: Partial<ResolvedChannel> = {}): ResolvedChannel => ({
  kind,
  urlEnv,
  on: ['failure'],
  timeoutSeconds: 5,
  attempts: 3,
  ...more,
});
const send = (channels: ResolvedChannel[], env: Record<string, string>, run = runOf(passing, failing)) =>
  sendNotifications({ suite, notify: { channels }, run, env, backoffMs: 5, host: 'ci-runner' });

test('the webhook and the Slack message arrive with the expected payload; no URL secret in payload or outcome', async () => {
  const hooks = await server();
  const env = {
    HOOK_URL: `${hooks.url}/hook/T0KEN-SECRET`,
    SLACK_URL: `${hooks.url.replace('//', '//bot:pa55word@')}/services/T0/B0/SLACKSECRET`,
    PGDRILL_REPORT_URL: 'https://ci.example/jobs/7/report.html',
  };
  const outcomes = await send([channel('webhook', 'HOOK_URL'), channel('slack', 'SLACK_URL')], env);
  expect(outcomes).toEqual(
    [
      { channel: 'webhook via $HOOK_URL', status: 'sent', attempts: 1 },
      { channel: 'slack via $SLACK_URL', status: 'sent', attempts: 1 },
    ].map((o) => ({ ...o, reason: undefined })),
  );
  const hook = hooks.requests.find((r) => r.url === '/hook/T0KEN-SECRET')!;
  expect(hook.method).toBe('POST');
  expect(hook.headers['content-type']).toBe('application/json');
  expect(JSON.parse(hook.body)).toMatchObject({
    suite: 'nightly',
    verdict: 'failed',
    exitCode: 1,
    host: 'ci-runner',
    reportUrl: 'https://ci.example/jobs/7/report.html',
    drills: [
      { name: 'orders-pitr', status: 'passed', restoreSeconds: 95.5, rpoSeconds: 300 },
      {
        name: 'orders-dump',
        status: 'failed',
        failedChecks: [{ name: 'rows public.orders >= 1000', expected: '>= 1000', actual: '12' }],
      },
    ],
  });
  const slack = hooks.requests.find((r) => r.url === '/services/T0/B0/SLACKSECRET')!;
  // credentials in the URL become basic auth, not part of the request line
  expect(slack.headers.authorization).toBe(`Basic ${Buffer.from('bot:pa55word').toString('base64')}`);
  const message = JSON.parse(slack.body) as { text: string; blocks: unknown[] };
  expect(message.text).toBe('❌ pgdrill nightly: failed (exit 1) — 1 of 2 drills passed');
  expect(message.blocks.length).toBe(4);
  for (const body of [hook.body, slack.body, JSON.stringify(outcomes)])
    for (const secret of ['T0KEN-SECRET', 'SLACKSECRET', 'pa55word']) expect(body).not.toContain(secret);
});

test('500 twice then 200: three attempts and sent; a 400 is not retried', async () => {
  const flaky = await server((n) => (n < 2 ? 500 : 200));
  const [retried] = await send([channel('webhook', 'HOOK_URL')], { HOOK_URL: `${flaky.url}/hook` });
  expect(retried).toMatchObject({ status: 'sent', attempts: 3 });
  expect(flaky.requests).toHaveLength(3);
  const refusing = await server(() => 400);
  const [refused] = await send([channel('webhook', 'HOOK_URL')], { HOOK_URL: `${refusing.url}/hook` });
  expect(refused).toMatchObject({ status: 'failed', attempts: 1, reason: 'HTTP 400' });
  expect(refusing.requests).toHaveLength(1);
});

test('a server that never answers is given up after the per-attempt timeout, every attempt', async () => {
  const silent = await server(() => 'hang');
  const [outcome] = await send([channel('webhook', 'HOOK_URL', { timeoutSeconds: 0.3, attempts: 2 })], {
    HOOK_URL: `${silent.url}/hook`,
  });
  expect(outcome).toMatchObject({ status: 'failed', attempts: 2, reason: 'no answer within 300 ms' });
  expect(silent.requests).toHaveLength(2);
});

test('channels are due by verdict; a missing env var is a failed channel, not an exception', async () => {
  const hooks = await server();
  const env = { HOOK_URL: `${hooks.url}/hook` };
  const onSuccess = channel('webhook', 'HOOK_URL', { on: ['success'] });
  expect((await send([onSuccess], env))[0]!.status).toBe('not-due');
  expect((await send([onSuccess], env, runOf(passing)))[0]!.status).toBe('sent');
  expect((await send([channel('webhook', 'HOOK_URL')], env, runOf(passing)))[0]!.status).toBe('not-due');
  expect((await send([channel('webhook', 'HOOK_URL', { on: ['always'] })], env, runOf(passing)))[0]!.status).toBe(
    'sent',
  );
  expect(hooks.requests).toHaveLength(2);
  expect((await send([channel('slack', 'UNSET_HOOK')], {}))[0]).toMatchObject({
    status: 'failed',
    reason: 'UNSET_HOOK is not set',
  });
});

test('publishRun turns a failed delivery into a warning naming the channel, never the URL, and does not throw', async () => {
  const silent = await server(() => 'hang');
  const events: DrillEvent[] = [];
  const resolved = {
    ...suite,
    file: '/s.yaml',
    dir: '/',
    engine: { kind: 'local' },
    storage: {},
    drills: [],
    notify: { channels: [channel('slack', 'SLACK_URL', { timeoutSeconds: 0.2, attempts: 1 })] },
  } as ResolvedSuite;
  await publishRun([resolved], runOf(failing), {
    env: { SLACK_URL: `${silent.url}/services/SECRET` },
    emit: (e) => events.push(e),
  });
  const warnings = events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message);
  expect(warnings).toEqual([
    "notification slack via $SLACK_URL failed after 1 attempt: no answer within 200 ms; the run's exit code is unchanged",
  ]);
});
