import { randomBytes } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { createS3Store, type S3StoreOptions } from '../storage/s3-store.js';
import { parseHistoryRun, type HistoryRun } from './history-record.js';
import { DEFAULT_HISTORY_LIMIT, slugOf, type HistoryStore } from './history-store.js';
import { createS3Putter } from './s3-put.js';

/**
 * One object per suite per run at `<prefix><suite>/<startedAt>-<random>.json`: S3 cannot append, and keys
 * that sort by time let a reader fetch only the newest runs.
 */
export function createS3History(store: S3StoreOptions, prefix: string): HistoryStore {
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const reader = createS3Store(store);
  const writer = createS3Putter(store);
  return {
    description: `s3://${[store.bucket, store.prefix, base].filter(Boolean).join('/')}`.replace(/([^:])\/\/+/g, '$1/'),
    async append(run) {
      const stamp = run.startedAt.replace(/[:.]/g, '');
      await writer.put(
        `${base}${slugOf(run.suite)}/${stamp}-${randomBytes(4).toString('hex')}.json`,
        `${JSON.stringify(run)}\n`,
        'application/json',
      );
    },
    async read(suite, { limit = DEFAULT_HISTORY_LIMIT } = {}) {
      const objects = (await reader.list(`${base}${slugOf(suite)}/`))
        .filter((o) => o.key.endsWith('.json'))
        .slice(-limit);
      const runs: HistoryRun[] = [];
      // A few reads at a time: hundreds of small objects, without opening hundreds of sockets.
      for (let i = 0; i < objects.length; i += 8) {
        const texts = await Promise.all(objects.slice(i, i + 8).map(async (o) => text(await reader.read(o.key))));
        for (const body of texts) {
          const run = parseHistoryRun(body);
          if (run && run.suite === suite) runs.push(run);
        }
      }
      return runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    },
    async close() {
      writer.close();
      await reader.close();
    },
  };
}
