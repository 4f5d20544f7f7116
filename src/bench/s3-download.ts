import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * `node dist/bench/s3-download.js <endpoint> <bucket> <prefix> <destDir> [concurrency]`: what a runbook's
 * `aws s3 cp --recursive` does — every object under the prefix streamed to a file below destDir, several at
 * once. Credentials and the CA come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_CA_BUNDLE.
 */
const [endpoint, bucket, prefix, dest, concurrencyText = '8'] = process.argv.slice(2);
if (!endpoint || !bucket || prefix === undefined || !dest) {
  process.stderr.write('usage: s3-download.js <endpoint> <bucket> <prefix> <destDir> [concurrency]\n');
  process.exit(2);
}
const client = new S3Client({
  region: process.env.AWS_REGION ?? 'us-east-1',
  endpoint,
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
  requestHandler: new NodeHttpHandler({
    httpsAgent: new Agent({
      keepAlive: true,
      ca: process.env.AWS_CA_BUNDLE ? await readFile(process.env.AWS_CA_BUNDLE) : undefined,
    }),
  }),
});

// ListObjects v1: s3rver's v2 continuation tokens fail on a second page.
const keys: string[] = [];
for (let marker: string | undefined; ; ) {
  const page = await client.send(new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, Marker: marker }));
  for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
  marker = page.NextMarker ?? page.Contents?.at(-1)?.Key;
  if (!page.IsTruncated || marker === undefined) break;
}
let next = 0;
const worker = async () => {
  while (next < keys.length) {
    const key = keys[next++]!;
    const file = join(dest, key.slice(prefix.length));
    await mkdir(dirname(file), { recursive: true });
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    await pipeline(response.Body as Readable, createWriteStream(file));
  }
};
await Promise.all(Array.from({ length: Math.max(1, Number(concurrencyText)) }, worker));
client.destroy();
process.stdout.write(`${keys.length}\n`);
