import { formatError } from '../errors.js';
import { ignoreEvents, type EmitEvent } from '../events.js';
import { createHistoryStore } from '../history/create-history.js';
import { toHistoryRun, type HistoryRun } from '../history/history-record.js';
import { lastSuccessFromHistory } from '../history/last-success.js';
import { splitRunBySuite } from '../history/split-run.js';
import { renderMetrics, renderMetricsPerDrill, type LastSuccess } from '../report/metrics-registry.js';
import { pushMetrics } from '../report/metrics-pushgateway.js';
import { readLastSuccessFromTextfile, writeMetricsTextfile } from '../report/metrics-textfile.js';
import type { RunResult } from '../results.js';
import type { ResolvedSuite } from '../suite/resolved-suite.js';
import { sendNotifications } from './send-notifications.js';

export interface PublishRunOptions {
  /** Also write every suite's metrics to this textfile (the CLI's `--metrics`). */
  metricsFile?: string;
  env?: Record<string, string | undefined>;
  emit?: EmitEvent;
  signal?: AbortSignal;
  /** First retry delay for webhooks and the Pushgateway. @default 1000 */
  backoffMs?: number;
  host?: string;
}

/**
 * After a run: append history, write and push metrics, notify. Each output is independent and none of
 * them changes the run's result: a failure is a `warning` event naming the output (never its URL).
 */
export async function publishRun(suites: ResolvedSuite[], result: RunResult, options: PublishRunOptions = {}): Promise<void> {
  const emit = options.emit ?? ignoreEvents;
  const env = options.env ?? process.env;
  const parts = splitRunBySuite(suites, result).map((p) => ({ ...p, history: toHistoryRun(p.suite, p.run, options.host) }));
  const lastSuccess: LastSuccess = new Map();
  const warn = (what: string, error: unknown) => emit({ type: 'warning', message: `${what}: ${formatError(error)}` });

  for (const { suite, history } of parts) {
    if (!suite.history) continue;
    const store = createHistoryStore(suite.history, env);
    try {
      for (const [key, at] of lastSuccessFromHistory(await store.read(suite.name))) lastSuccess.set(key, at);
      await store.append(history);
      emit({ type: 'note', message: `history of ${suite.name} appended to ${store.description}` });
    } catch (error) {
      warn(`history ${store.description}`, error);
    } finally {
      await store.close();
    }
  }

  const textfiles = new Map<string, HistoryRun[]>();
  const addTo = (file: string, run: HistoryRun) => textfiles.set(file, [...(textfiles.get(file) ?? []).filter((r) => r !== run), run]);
  for (const { suite, history } of parts) if (suite.metrics?.textfile) addTo(suite.metrics.textfile, history);
  if (options.metricsFile) for (const { history } of parts) addTo(options.metricsFile, history);
  for (const [file, runs] of textfiles) {
    try {
      // History knows best; the previous file is the fallback memory of when each drill last passed.
      const known = new Map([...(await readLastSuccessFromTextfile(file)), ...lastSuccess]);
      await writeMetricsTextfile(file, await renderMetrics(runs, known));
      emit({ type: 'note', message: `metrics written to ${file}` });
    } catch (error) {
      warn(`metrics ${file}`, error);
    }
  }

  for (const { suite, history } of parts) {
    const push = suite.metrics?.pushgateway;
    if (!push) continue;
    const url = push.url ?? env[push.urlEnv!];
    if (!url) {
      emit({ type: 'warning', message: `pushgateway of ${suite.name}: ${push.urlEnv} is not set; metrics were not pushed` });
      continue;
    }
    try {
      const pushed = await pushMetrics(await renderMetricsPerDrill([history], lastSuccess), { url, job: push.job, timeoutMs: push.timeoutSeconds * 1000, backoffMs: options.backoffMs, signal: options.signal });
      for (const failure of pushed.failures) emit({ type: 'warning', message: `${pushed.target}: push failed for ${failure}` });
      if (pushed.pushed > 0) emit({ type: 'note', message: `metrics of ${pushed.pushed} drill${pushed.pushed === 1 ? '' : 's'} pushed to ${pushed.target}` });
    } catch (error) {
      warn(`pushgateway of ${suite.name}`, error);
    }
  }

  for (const { suite, run } of parts) {
    if (!suite.notify) continue;
    const outcomes = await sendNotifications({ suite, notify: suite.notify, run, env, backoffMs: options.backoffMs, host: options.host, signal: options.signal });
    for (const o of outcomes) {
      if (o.status === 'sent') emit({ type: 'note', message: `notification sent: ${o.channel}` });
      if (o.status === 'failed') emit({ type: 'warning', message: `notification ${o.channel} failed${o.attempts ? ` after ${o.attempts} attempt${o.attempts === 1 ? '' : 's'}` : ''}: ${o.reason}; the run's exit code is unchanged` });
    }
  }
}
