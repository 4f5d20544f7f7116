import { join } from 'node:path';
import type { StartedServer } from '../engines/engine.js';
import type { EmbeddedS3 } from './embedded-s3.js';
import { DEMO_DATABASE } from './fixture-database.js';
import { makeDump, uploadDump, type DumpSpec } from './make-dump.js';

export const DEMO_BUCKET = 'pgdrill-demo';

/** The backups suites/demo.yaml drills: what a nightly backup job leaves in a bucket. */
export const DEMO_BACKUPS: Array<{ key: string; spec: DumpSpec }> = [
  { key: 'daily/shop-2026-11-19.dump', spec: { format: 'custom' } },
  { key: 'daily/shop-2026-11-20.dump', spec: { format: 'custom' } },
  {
    key: 'encrypted/shop-2026-11-20.dump.gz.enc',
    spec: { format: 'custom', compress: 'gzip', encrypt: { passphrase: '' } },
  },
  { key: 'directory/shop-2026-11-20', spec: { format: 'directory' } },
];

/** Dump the demo database with the real tools into `workDir` and upload every backup to the embedded S3. */
export async function makeDemoBackups(options: {
  server: StartedServer;
  s3: EmbeddedS3;
  workDir: string;
  passphrase: string;
  bucket?: string;
}): Promise<void> {
  const bucket = options.bucket ?? DEMO_BUCKET;
  await options.s3.createBucket(bucket);
  for (const [index, backup] of DEMO_BACKUPS.entries()) {
    const spec = backup.spec.encrypt ? { ...backup.spec, encrypt: { passphrase: options.passphrase } } : backup.spec;
    const path = await makeDump(options.server, DEMO_DATABASE, spec, join(options.workDir, `backup-${index}`));
    await uploadDump(options.s3, bucket, backup.key, path, spec.format);
  }
}
