import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../src/demo/embedded-s3.js';

// The built CLI run under a module-resolve hook that records every module it imports: light commands
// must never resolve the heavy dependencies; `run` on an S3 store must (the hook sees them), and must not
// print the AWS SDK's Node version warning while other warnings still show.
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');
const HEAVY =
  /\/node_modules\/(@aws-sdk|@smithy|testcontainers|@testcontainers|pg|pg-pool|junit-report-builder|prom-client|s3rver)\//;

let dir: string;
let s3: EmbeddedS3;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-lazy-'));
  await writeFile(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.PGDRILL_TEST_TRACE, result.url + '\\n');
  return result;
}
`,
  );
  await writeFile(
    join(dir, 'register.mjs'),
    `import { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});
setImmediate(() => process.emitWarning('a warning that is not the SDK one', 'OtherWarning'));
`,
  );
  s3 = await startEmbeddedS3();
  await s3.createBucket('lazy');
  await writeFile(join(dir, 'shop.dump'), 'x'.repeat(2000));
  await s3.putFile('lazy', `daily/shop-${new Date().toISOString().slice(0, 10)}.dump`, join(dir, 'shop.dump'));
  await writeFile(
    join(dir, 'suite.yaml'),
    `name: lazy
storage:
  lab:
    s3: { bucket: lazy, endpoint: "${s3.endpoint}", forcePathStyle: true, caBundle: "${s3.caPath}" }
drills:
  - name: dumps
    tags: [hourly]
    source: { pgdump: { store: lab, prefix: daily/, orderBy: keyDate } }
    checks: [{ freshness: { maxAge: 26h } }]
`,
  );
});
afterAll(async () => {
  await s3?.stop();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function traced(args: string[]): Promise<{ code: number; stdout: string; stderr: string; modules: string[] }> {
  const trace = join(dir, `trace-${n++}.txt`);
  await writeFile(trace, '');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...s3.env(),
    AWS_EC2_METADATA_DISABLED: 'true',
    PGDRILL_TEST_TRACE: trace,
  };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  delete env.NODE_OPTIONS;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', join(dir, 'register.mjs'), CLI, ...args],
      { env, cwd: dir },
      async (_error, stdout, stderr) => {
        resolve({
          code: child.exitCode ?? -1,
          stdout,
          stderr,
          modules: (await readFile(trace, 'utf8')).split('\n').filter(Boolean),
        });
      },
    );
  });
}

describe('the CLI loads heavy modules only for the commands that need them', () => {
  test.each([[['--version']], [['--help']], [['validate', 'suite.yaml']], [['list', 'suite.yaml']]])(
    '%j resolves no AWS SDK, testcontainers, pg or reporter',
    async (args) => {
      const r = await traced(args);
      expect(r.code).toBe(0);
      expect(r.modules.some((m) => m.endsWith('/dist/cli/main.js'))).toBe(true);
      expect(r.modules.filter((m) => HEAVY.test(m))).toEqual([]);
    },
  );

  test('run on an S3 store loads the AWS SDK, prints no NodeVersionSupportWarning, and other warnings still show', async () => {
    const r = await traced(['run', 'suite.yaml', '--tag', 'hourly']);
    expect(r.stderr).toContain('OtherWarning: a warning that is not the SDK one');
    expect(r.code, r.stderr).toBe(0);
    expect(r.modules.some((m) => /\/node_modules\/@aws-sdk\/client-s3\//.test(m))).toBe(true);
    expect(r.stderr).not.toContain('NodeVersionSupportWarning');
    expect(r.stdout).toMatch(/dumps/);
  });

  test('without pgdrill the same SDK under this Node prints the warning (so the test above can fail)', async () => {
    const major = Number(process.versions.node.split('.')[0]);
    if (major >= 22) return expect(major).toBeGreaterThanOrEqual(22);
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    const stderr = await new Promise<string>((resolve) =>
      execFile(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "import { S3Client } from '@aws-sdk/client-s3'; new S3Client({ region: 'us-east-1' });",
        ],
        { env, cwd: join(import.meta.dirname, '..', '..') },
        (_e, _o, err) => resolve(err),
      ),
    );
    expect(stderr).toContain('NodeVersionSupportWarning');
  });
});
