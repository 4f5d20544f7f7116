import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toHistoryRun } from '../../../src/history/history-record.js';
import { pushMetrics } from '../../../src/report/metrics-pushgateway.js';
import { lastSuccessKey, renderMetrics, renderMetricsPerDrill } from '../../../src/report/metrics-registry.js';
import { readLastSuccessFromTextfile, writeMetricsTextfile } from '../../../src/report/metrics-textfile.js';
import { publishRun } from '../../../src/notify/publish-run.js';
import type { ResolvedSuite } from '../../../src/suite/resolved-suite.js';
import { failing, passing, runOf, suite } from '../../unit/history/run-fixture.js';
import { startRecordingServer } from '../notify/recording-server.js';
import { hasCommand } from '../../support/has-command.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-metrics-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const promtool = (exposition: string) =>
  new Promise<{ code: number; output: string }>((resolve) => {
    execFile('promtool', ['check', 'metrics'], { encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    ).stdin!.end(
      // promtool reads the exposition from stdin
      exposition,
    );
  });

const hasPromtool = hasCommand('promtool');

describe.skipIf(!hasPromtool)(
  `metrics${hasPromtool ? '' : ' (skipped: promtool is not installed; scripts/setup.sh installs the prometheus package)'}`,
  () => {
    test('promtool check metrics accepts the output of a passing and of a failing run', async () => {
      for (const run of [runOf(passing), runOf(passing, failing)]) {
        const text = await renderMetrics(
          [toHistoryRun(suite, run)],
          new Map([[lastSuccessKey('nightly', 'orders-dump'), 1_790_000_000]]),
        );
        const result = await promtool(text);
        expect(result.output).toBe('');
        expect(result.code).toBe(0);
      }
      // and promtool does find problems: this is not a vacuous pass
      expect((await promtool('pgdrill_bad_total 1\n# HELP x y\n')).code).not.toBe(0);
    });

    test('the textfile is replaced by rename (a new inode, no temp file left) and remembers last successes', async () => {
      const file = join(dir, 'pgdrill.prom');
      await writeFile(
        file,
        'pgdrill_drill_last_success_timestamp_seconds{suite="nightly",drill="orders-dump"} 1790000000\n',
      );
      const before = await stat(file);
      const suiteOf = {
        ...suite,
        file: join(dir, 's.yaml'),
        dir,
        engine: { kind: 'local' },
        storage: {},
        drills: [],
        metrics: { textfile: file },
      } as ResolvedSuite;
      await publishRun([suiteOf], runOf(passing, failing), { env: {} });
      const after = await stat(file);
      expect(after.ino).not.toBe(before.ino);
      expect(await readdir(dir)).toEqual(['pgdrill.prom']);
      const text = await readFile(file, 'utf8');
      expect(text).toContain(
        'pgdrill_drill_last_success_timestamp_seconds{suite="nightly",drill="orders-dump"} 1790000000',
      );
      expect(text).toContain('pgdrill_drill_success{suite="nightly",drill="orders-pitr"} 1');
      expect((await readLastSuccessFromTextfile(file)).get(lastSuccessKey('nightly', 'orders-pitr'))).toBe(
        Date.parse(passing.finishedAt) / 1000,
      );
      expect((await promtool(text)).code).toBe(0);
    });

    test('an unwritable textfile directory is an error naming the file; nothing is left behind', async () => {
      const blocker = join(dir, 'not-a-dir');
      await writeFile(blocker, '');
      await expect(writeMetricsTextfile(join(blocker, 'x.prom'), 'x 1\n')).rejects.toMatchObject({
        code: 'METRICS_WRITE_FAILED',
        message: expect.stringContaining(join(blocker, 'x.prom')),
      });
      await rm(blocker);
    });

    test('a Pushgateway push arrives per drill with the expected body and basic auth, by POST', async () => {
      const gateway = await startRecordingServer(() => 200);
      try {
        const groups = await renderMetricsPerDrill(
          [toHistoryRun({ ...suite, name: 'night/ly' }, runOf(passing, failing))],
          new Map(),
        );
        const url = gateway.url.replace('//', '//pusher:pu5h-secret@');
        const result = await pushMetrics(groups, { url, job: 'pgdrill', timeoutMs: 5000 });
        expect(result).toEqual({ target: `pushgateway ${gateway.url}`, pushed: 2, failures: [] });
        expect(gateway.requests.map((r) => [r.method, r.url])).toEqual([
          [
            'POST',
            `/metrics/job/pgdrill/suite@base64/${Buffer.from('night/ly').toString('base64url')}/drill/orders-pitr`,
          ],
          [
            'POST',
            `/metrics/job/pgdrill/suite@base64/${Buffer.from('night/ly').toString('base64url')}/drill/orders-dump`,
          ],
        ]);
        const [first, second] = gateway.requests;
        expect(first!.headers.authorization).toBe(`Basic ${Buffer.from('pusher:pu5h-secret').toString('base64')}`);
        expect(first!.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
        expect(first!.body).toBe(groups[0]!.text);
        expect(first!.body).toContain('pgdrill_drill_success{suite="night/ly",drill="orders-pitr"} 1');
        expect(second!.body).toContain('pgdrill_drill_failed_checks{suite="night/ly",drill="orders-dump"} 1');
        // a failed drill without a known last success omits the series, so POST keeps the gateway's value
        expect(second!.body).not.toMatch(/^pgdrill_drill_last_success_timestamp_seconds\{/m);
        expect(JSON.stringify(result)).not.toContain('pu5h-secret');
      } finally {
        await gateway.close();
      }
    });

    test('a refusing Pushgateway is a failure per drill naming the gateway without credentials', async () => {
      const gateway = await startRecordingServer(() => 503);
      try {
        const groups = await renderMetricsPerDrill([toHistoryRun(suite, runOf(passing))], new Map());
        const result = await pushMetrics(groups, {
          url: gateway.url.replace('//', '//u:s3cret@'),
          job: 'pgdrill',
          timeoutMs: 5000,
          backoffMs: 5,
        });
        expect(result.pushed).toBe(0);
        expect(result.failures).toEqual(['drill orders-pitr (suite nightly): HTTP 503 after 3 attempts']);
        expect(JSON.stringify(result)).not.toContain('s3cret');
      } finally {
        await gateway.close();
      }
    });

    test('publishRun pushes with the URL from urlEnv, and a missing variable is a warning, not an error', async () => {
      const gateway = await startRecordingServer(() => 202);
      try {
        const events: string[] = [];
        const withPush = {
          ...suite,
          file: join(dir, 's.yaml'),
          dir,
          engine: { kind: 'local' },
          storage: {},
          drills: [],
          metrics: { pushgateway: { urlEnv: 'PUSH_URL', job: 'drills', timeoutSeconds: 5 } },
        } as ResolvedSuite;
        const emit = (e: { type: string; message?: string }) =>
          void (e.message && events.push(`${e.type}: ${e.message}`));
        await publishRun([withPush], runOf(passing, failing), {
          env: { PUSH_URL: gateway.url.replace('//', '//a:pw-secret@') },
          emit,
        });
        expect(gateway.requests.map((r) => r.url)).toEqual([
          '/metrics/job/drills/suite/nightly/drill/orders-pitr',
          '/metrics/job/drills/suite/nightly/drill/orders-dump',
        ]);
        expect(events).toEqual([`note: metrics of 2 drills pushed to pushgateway ${gateway.url}`]);
        events.length = 0;
        await publishRun([withPush], runOf(passing), { env: {}, emit });
        expect(events).toEqual(['warning: pushgateway of nightly: PUSH_URL is not set; metrics were not pushed']);
      } finally {
        await gateway.close();
      }
    });
  },
);
