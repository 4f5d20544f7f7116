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
export async function publishRun(
  suites: ResolvedSuite[],
  result: RunResult,
  options: PublishRunOptions = {},
): Promise<void> {
  const context: PublishContext = { ...options, emit: options.emit ?? ignoreEvents, env: options.env ?? process.env };
  const parts = splitRunBySuite(suites, result).map((p) => ({
    ...p,
    history: toHistoryRun(p.suite, p.run, options.host),
  }));
  const lastSuccess = await appendHistory(parts, context);
  await writeTextfiles(parts, lastSuccess, context);
  await pushToGateways(parts, lastSuccess, context);
  await notifyChannels(parts, context);
}

interface PublishContext extends PublishRunOptions {
  emit: EmitEvent;
  env: Record<string, string | undefined>;
}

type Part = { suite: ResolvedSuite; run: RunResult; history: HistoryRun };

const warn = (context: PublishContext, what: string, error: unknown) =>
  context.emit({ type: 'warning', message: `${what}: ${formatError(error)}` });

/** Read before appending: the last successes are needed by the metrics of a failing run. */
async function appendHistory(parts: Part[], context: PublishContext): Promise<LastSuccess> {
  const lastSuccess: LastSuccess = new Map();
  for (const { suite, history } of parts) {
    if (!suite.history) continue;
    const store = createHistoryStore(suite.history, context.env);
    try {
      for (const [key, at] of lastSuccessFromHistory(await store.read(suite.name))) lastSuccess.set(key, at);
      await store.append(history);
      context.emit({ type: 'note', message: `history of ${suite.name} appended to ${store.description}` });
    } catch (error) {
      warn(context, `history ${store.description}`, error);
    } finally {
      await store.close();
    }
  }
  return lastSuccess;
}

async function writeTextfiles(parts: Part[], lastSuccess: LastSuccess, context: PublishContext): Promise<void> {
  const textfiles = new Map<string, HistoryRun[]>();
  const addTo = (file: string, run: HistoryRun) =>
    textfiles.set(file, [...(textfiles.get(file) ?? []).filter((r) => r !== run), run]);
  for (const { suite, history } of parts) if (suite.metrics?.textfile) addTo(suite.metrics.textfile, history);
  if (context.metricsFile) for (const { history } of parts) addTo(context.metricsFile, history);
  for (const [file, runs] of textfiles) {
    try {
      // History knows best; the previous file is the fallback memory of when each drill last passed.
      const known = new Map([...(await readLastSuccessFromTextfile(file)), ...lastSuccess]);
      await writeMetricsTextfile(file, await renderMetrics(runs, known));
      context.emit({ type: 'note', message: `metrics written to ${file}` });
    } catch (error) {
      warn(context, `metrics ${file}`, error);
    }
  }
}

async function pushToGateways(parts: Part[], lastSuccess: LastSuccess, context: PublishContext): Promise<void> {
  for (const { suite, history } of parts) {
    const push = suite.metrics?.pushgateway;
    if (!push) continue;
    const url = push.url ?? context.env[push.urlEnv!];
    if (!url) {
      context.emit({
        type: 'warning',
        message: `pushgateway of ${suite.name}: ${push.urlEnv} is not set; metrics were not pushed`,
      });
      continue;
    }
    try {
      const groups = await renderMetricsPerDrill([history], lastSuccess);
      const pushed = await pushMetrics(groups, {
        url,
        job: push.job,
        timeoutMs: push.timeoutSeconds * 1000,
        backoffMs: context.backoffMs,
        signal: context.signal,
      });
      for (const failure of pushed.failures)
        context.emit({ type: 'warning', message: `${pushed.target}: push failed for ${failure}` });
      if (pushed.pushed > 0)
        context.emit({
          type: 'note',
          message: `metrics of ${pushed.pushed} drill${pushed.pushed === 1 ? '' : 's'} pushed to ${pushed.target}`,
        });
    } catch (error) {
      warn(context, `pushgateway of ${suite.name}`, error);
    }
  }
}

async function notifyChannels(parts: Part[], context: PublishContext): Promise<void> {
  for (const { suite, run } of parts) {
    if (!suite.notify) continue;
    const outcomes = await sendNotifications({
      suite,
      notify: suite.notify,
      run,
      env: context.env,
      backoffMs: context.backoffMs,
      host: context.host,
      signal: context.signal,
    });
    for (const o of outcomes) {
      if (o.status === 'sent') context.emit({ type: 'note', message: `notification sent: ${o.channel}` });
      if (o.status === 'failed')
        context.emit({
          type: 'warning',
          message: `notification ${o.channel} failed${o.attempts ? ` after ${o.attempts} attempt${o.attempts === 1 ? '' : 's'}` : ''}: ${o.reason}; the run's exit code is unchanged`,
        });
    }
  }
}
