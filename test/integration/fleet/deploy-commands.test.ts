import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunResult } from '../../../src/results.js';

// The shell the Kubernetes pods run, run here with `sh` and the built CLI as `pgdrill` (no cluster):
// four indexed pods, two drills whose backups are absent, so two shards fail (exit 1) and two are empty (exit 0);
// then the merge pod picks the newest run directory and merges it.
const ROOT = join(import.meta.dirname, '..', '..', '..');
const K8S = join(ROOT, 'deploy', 'kubernetes');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-k8s-'));
  await mkdir(join(dir, 'bin'));
  await writeFile(
    join(dir, 'bin', 'pgdrill'),
    `#!/bin/sh\nexec '${process.execPath}' '${join(ROOT, 'dist', 'cli', 'main.js')}' "$@"\n`,
  );
  await chmod(join(dir, 'bin', 'pgdrill'), 0o755);
  await mkdir(join(dir, 'backups'));
  await mkdir(join(dir, 'results'));
  await mkdir(join(dir, 'work'));
  await writeFile(
    join(dir, 'suite.yaml'),
    `name: k8s\nstorage:\n  disk: { filesystem: { root: ./backups } }\ndrills:\n  - name: orders\n    source: { pgdump: { store: disk, key: orders.dump } }\n  - name: billing\n    source: { pgdump: { store: disk, prefix: billing/ } }\n`,
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Container {
  args: string[];
  env: Array<{ name: string; value?: string }>;
}

async function containerOf(file: string, path: (doc: any) => Container): Promise<Container> {
  return path(parse(await readFile(join(K8S, file), 'utf8')));
}

function sh(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      '/bin/sh',
      ['-c', script],
      { env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, HOME: dir, ...env } },
      (_e, stdout, stderr) => resolve({ code: child.exitCode ?? -1, stdout, stderr }),
    );
  });
}

test('each indexed pod runs shard JOB_COMPLETION_INDEX + 1 into /results/<job>/, and the merge pod merges the newest run', async () => {
  const drill = await containerOf('drill-job.yaml', (doc) => doc.spec.template.spec.containers[0]);
  const env = Object.fromEntries(drill.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
  const local = {
    ...env,
    SUITE: join(dir, 'suite.yaml'),
    RESULTS_DIR: join(dir, 'results'),
    TMPDIR: join(dir, 'work'),
    RUN_ID: 'pgdrill-drill-x7k2p',
  };
  const pods = await Promise.all(
    [0, 1, 2, 3].map((index) => sh(drill.args.join('\n'), { ...local, JOB_COMPLETION_INDEX: String(index) })),
  );
  expect(pods.map((p) => p.code)).toEqual([1, 1, 0, 0]);
  expect(pods[2]!.stderr).toMatch(/shard 3\/4 has no drills/);
  const run = join(dir, 'results', 'pgdrill-drill-x7k2p');
  expect((await readdir(run)).sort()).toEqual(
    [1, 2, 3, 4].flatMap((i) => [`shard-${i}.json`, `shard-${i}.junit.xml`, `shard-${i}.sha256`]),
  );
  expect(await readdir(join(dir, 'work'))).toEqual([]);

  const merge = await containerOf('merge-cronjob.yaml', (doc) => doc.spec.jobTemplate.spec.template.spec.containers[0]);
  const merged = await sh(merge.args.join('\n'), { RESULTS_DIR: join(dir, 'results'), RUN_ID: '' });
  expect(merged.code, merged.stderr).toBe(1);
  const result = JSON.parse(await readFile(join(run, 'merged.json'), 'utf8')) as RunResult;
  expect(result.drills.map((d) => `${d.name} ${d.error?.code}`)).toEqual([
    'orders BACKUP_NOT_FOUND',
    'billing BACKUP_NOT_FOUND',
  ]);
  expect(await readFile(join(run, 'merged.junit.xml'), 'utf8')).toMatch(/<testsuite name="[^"/]+\/orders"/);
});
