import type { RunResult } from '../results.js';
import { postWithRetry } from './http-post.js';
import { buildNotificationPayload } from './notification-payload.js';
import type { ResolvedChannel, ResolvedNotify } from './notify-options.js';
import { buildSlackMessage } from './slack-message.js';

export interface SendNotificationsOptions {
  suite: { name: string; objectives: { rtoSeconds?: number; rpoSeconds?: number } };
  notify: ResolvedNotify;
  run: RunResult;
  env?: Record<string, string | undefined>;
  /** First retry delay, doubled each retry. @default 1000 */
  backoffMs?: number;
  host?: string;
  signal?: AbortSignal;
}

export interface NotificationOutcome {
  /** `slack via $SLACK_WEBHOOK_URL`: names the channel, never the URL. */
  channel: string;
  status: 'sent' | 'failed' | 'not-due';
  attempts: number;
  reason?: string;
}

/** Send to every channel due for this verdict, in parallel; never throws. */
export async function sendNotifications(options: SendNotificationsOptions): Promise<NotificationOutcome[]> {
  const env = options.env ?? process.env;
  const reportUrl = env.PGDRILL_REPORT_URL || options.notify.reportUrl;
  const payload = buildNotificationPayload({ suite: options.suite, run: options.run, reportUrl, host: options.host });
  return Promise.all(
    options.notify.channels.map(async (channel): Promise<NotificationOutcome> => {
      const label = `${channel.kind} via $${channel.urlEnv}`;
      if (!isDue(channel, payload.verdict === 'passed')) return { channel: label, status: 'not-due', attempts: 0 };
      const raw = env[channel.urlEnv];
      if (!raw) return { channel: label, status: 'failed', attempts: 0, reason: `${channel.urlEnv} is not set` };
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return { channel: label, status: 'failed', attempts: 0, reason: `${channel.urlEnv} does not hold a valid URL` };
      }
      const body = JSON.stringify(channel.kind === 'slack' ? buildSlackMessage(payload) : payload);
      const result = await postWithRetry(url, body, {
        attempts: channel.attempts,
        timeoutMs: channel.timeoutSeconds * 1000,
        backoffMs: options.backoffMs,
        signal: options.signal,
      });
      return {
        channel: label,
        status: result.ok ? 'sent' : 'failed',
        attempts: result.attempts,
        reason: result.reason,
      };
    }),
  );
}

function isDue(channel: ResolvedChannel, passed: boolean): boolean {
  return channel.on.includes('always') || channel.on.includes(passed ? 'success' : 'failure');
}
