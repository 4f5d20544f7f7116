import { z } from 'zod';
import { resolve } from 'node:path';
import { isDuration, parseDuration } from '../util/duration.js';

const duration = z
  .union([z.string(), z.number()])
  .refine((v) => isDuration(v), 'expected a duration such as 10s, 1m or a number of seconds');
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');

const pushgatewaySchema = z
  .strictObject({
    url: z
      .string()
      .url()
      .refine(
        (u) => !/^[a-z]+:\/\/[^/]*@/i.test(u),
        'credentials do not belong in the suite: put the whole URL in an environment variable and name it with urlEnv',
      )
      .optional()
      .describe('Pushgateway base URL, e.g. http://pushgateway:9091 (no credentials).'),
    urlEnv: envName
      .optional()
      .describe(
        'Environment variable holding the URL instead, when it carries basic-auth credentials (https://user:pass@host).',
      ),
    job: z
      .string()
      .regex(/^[^/]+$/, 'expected a job name without "/"')
      .default('pgdrill')
      .describe('The `job` grouping label.'),
    timeout: duration.default('10s').describe('Per-request timeout.'),
  })
  .superRefine((p, ctx) => {
    if ((p.url === undefined) === (p.urlEnv === undefined))
      ctx.addIssue({ code: 'custom', message: 'give exactly one of url or urlEnv' });
  })
  .describe(
    'Push the metrics to a Prometheus Pushgateway (one group per drill, POST so a failed run keeps the last success).',
  );

/** The suite's `metrics:` key. */
export const metricsOptionsSchema = z
  .strictObject({
    textfile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'File for the node-exporter textfile collector (ends in .prom; relative to the suite file), replaced atomically.',
      ),
    pushgateway: pushgatewaySchema.optional(),
  })
  .describe(
    'Prometheus metrics per suite and drill: success, last success time, restore/replay seconds, RPO, backup age, failed checks.',
  );

export type MetricsInput = z.output<typeof metricsOptionsSchema>;

/** `metrics:` after resolution. */
export interface ResolvedMetrics {
  textfile?: string;
  pushgateway?: { url?: string; urlEnv?: string; job: string; timeoutSeconds: number };
}

export function resolveMetrics(input: MetricsInput, dir: string): ResolvedMetrics {
  const push = input.pushgateway;
  return {
    textfile: input.textfile === undefined ? undefined : resolve(dir, input.textfile),
    pushgateway: push && {
      url: push.url,
      urlEnv: push.urlEnv,
      job: push.job,
      timeoutSeconds: parseDuration(push.timeout),
    },
  };
}
