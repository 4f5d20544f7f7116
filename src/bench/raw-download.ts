import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { EmbeddedS3 } from '../demo/embedded-s3.js';
import type { BenchWorkspace } from './bench-workspace.js';

const DOWNLOADER = join(import.meta.dirname, 's3-download.js');

/** Download every object under `prefix` into `dest` in a child process (as `aws s3 cp --recursive` would); returns how many. */
export async function downloadPrefix(
  ws: BenchWorkspace,
  s3: EmbeddedS3,
  options: { bucket: string; prefix: string; dest: string; concurrency?: number },
): Promise<number> {
  const child = spawn(
    process.execPath,
    [DOWNLOADER, s3.endpoint, options.bucket, options.prefix, options.dest, String(options.concurrency ?? 8)],
    {
      env: { ...process.env, ...s3.env(), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  ws.track(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c ?? -1));
  });
  if (code !== 0)
    throw new Error(`downloading s3://${options.bucket}/${options.prefix} failed (exit ${code}): ${err.slice(-2000)}`);
  return Number(out.trim());
}
