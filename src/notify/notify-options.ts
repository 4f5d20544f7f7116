import { z } from 'zod';
import { isDuration, parseDuration } from '../util/duration.js';

const duration = z
  .union([z.string(), z.number()])
  .refine((v) => isDuration(v), 'expected a duration such as 10s, 1m or a number of seconds');
const when = z.enum(['failure', 'success', 'always']);

const channelOptions = z.strictObject({
  urlEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')
    .describe('Environment variable holding the webhook URL (a secret: never in the suite, never printed).'),
  on: z
    .union([when, z.array(when).min(1)])
    .default(['failure'])
    .describe('When to send: `failure` (any drill not passed), `success`, `always`; one or a list.'),
  timeout: duration.default('10s').describe('Per-attempt timeout.'),
  attempts: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(3)
    .describe('Attempts in all; retried with backoff on 5xx, 429 and network errors, not on other 4xx.'),
});

const channelSchema = z
  .strictObject({
    webhook: channelOptions
      .optional()
      .describe('POST a JSON document (suite, verdict, exit code, drills, failed checks, RTO/RPO, host, time).'),
    slack: channelOptions
      .optional()
      .describe('POST a Slack incoming-webhook message (`text` and `blocks`); Mattermost and others accept it too.'),
  })
  .superRefine((item, ctx) => {
    const kinds = Object.keys(item).filter((k) => (item as Record<string, unknown>)[k] !== undefined);
    if (kinds.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `expected exactly one channel kind (webhook, slack), found ${kinds.length ? kinds.join(', ') : 'none'}`,
      });
  })
  .describe('One channel: exactly one of `webhook`, `slack`.');

/** The suite's `notify:` key: a list of channels, or `{ reportUrl, channels }`. */
export const notifyOptionsSchema = z
  .union([
    z.array(channelSchema),
    z.strictObject({
      reportUrl: z
        .string()
        .url()
        .optional()
        .describe("Link to the run's report (e.g. a CI artifact URL); env PGDRILL_REPORT_URL overrides it."),
      channels: z.array(channelSchema).describe('The channels.'),
    }),
  ])
  .describe(
    'Notifications after a run. Never changes the exit code: a failed delivery is a warning naming the channel.',
  );

export type NotifyInput = z.output<typeof notifyOptionsSchema>;

export type NotifyWhen = z.output<typeof when>;

export interface ResolvedChannel {
  kind: 'webhook' | 'slack';
  urlEnv: string;
  on: NotifyWhen[];
  timeoutSeconds: number;
  attempts: number;
}

export interface ResolvedNotify {
  reportUrl?: string;
  channels: ResolvedChannel[];
}

export function resolveNotify(input: NotifyInput): ResolvedNotify {
  const { reportUrl, channels } = Array.isArray(input) ? { reportUrl: undefined, channels: input } : input;
  return {
    reportUrl,
    channels: channels.map((item) => {
      const kind = item.webhook ? 'webhook' : 'slack';
      const options = (item.webhook ?? item.slack)!;
      return {
        kind,
        urlEnv: options.urlEnv,
        on: typeof options.on === 'string' ? [options.on] : options.on,
        timeoutSeconds: parseDuration(options.timeout),
        attempts: options.attempts,
      };
    }),
  };
}
