import { once } from 'node:events';
import { cp, mkdir, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Engine, ServerSpec, StartedServer } from '../../../src/engines/engine.js';
import { createLocalEngine } from '../../../src/engines/local/local-engine.js';
import { loadSuites, runSuites, type DrillResult } from '../../../src/index.js';
import { BUCKET, serverProcessesUnder, startBackupLab, type BackupLab } from '../../support/backup-lab.js';
import { HoldProxy } from '../../support/hold-proxy.js';

// The server of a pg_dump drill starts while the archive downloads (or, read in place, is hashed): the
// archive's last bytes are held back on the S3 connection until the engine's start() is entered, so a drill
// that waited for the download before starting its server could not pass. A download that fails once the
// server is up stops that server; a server that fails to start stops the held download. Nothing is left.
let lab: BackupLab;
let proxy: HoldProxy;
let size: number;
const ROWS = 400_000;
const KEY = 'big/filler.dump';

beforeAll(async () => {
  let dumped = '';
  lab = await startBackupLab({
    extra: async ({ server, put }) => {
      // Random text barely compresses: an archive of some MB, far more than a table-of-contents read pulls.
      await server.runClient('psql', [
        '-X',
        '-q',
        '-d',
        'shop',
        '-c',
        `CREATE TABLE shop.filler AS SELECT g, md5(random()::text) || md5(random()::text) AS t FROM generate_series(1, ${ROWS}) g`,
      ]);
      dumped = await put(KEY, { format: 'custom' });
    },
  });
  // The same archive in a directory too (the `disk` store), read there in place.
  await mkdir(join(lab.dir, 'fs', 'big'), { recursive: true });
  await cp(dumped, join(lab.dir, 'fs', KEY));
  size = (await stat(join(lab.dir, 'fs', KEY))).size;
  expect(size).toBeGreaterThan(8 * 1024 * 1024);
  proxy = await HoldProxy.start({ host: '127.0.0.1', port: Number(new URL(lab.s3.endpoint).port) });
  Object.assign(process.env, lab.env);
}, 600_000);

afterAll(async () => {
  await proxy?.close();
  await lab?.close();
});

interface Observed {
  /** The drill's directory, as the engine got it (the download lies below it). */
  workDir?: string;
  server?: StartedServer;
}

/** The real local engine, with the test told when start() is entered and when it has returned a server. */
function observedEngine(hooks: {
  entered?: (spec: ServerSpec) => Promise<void> | void;
  started?: (server: StartedServer) => Promise<void> | void;
}): { engine: Engine; seen: Observed } {
  const local = createLocalEngine();
  const seen: Observed = {};
  const engine: Engine = {
    kind: local.kind,
    probe: () => local.probe(),
    start: async (spec) => {
      seen.workDir = spec.workDir;
      await hooks.entered?.(spec);
      const server = await local.start(spec);
      seen.server = server;
      await hooks.started?.(server);
      return server;
    },
  };
  return { engine, seen };
}

/** Run one drill reading the big archive from `store` (`s3` through the proxy, or `disk`) on `engine`. */
async function drill(engine: Engine, name: string, extra = '', store: 's3' | 'disk' = 's3'): Promise<DrillResult> {
  const file = await lab.writeSuite(
    name,
    `name: ${name}
storage:
  s3: { s3: { bucket: ${BUCKET}, endpoint: "${proxy.endpoint}", forcePathStyle: true, caBundle: "${lab.s3.caPath}", readIdleTimeout: 10m } }
  disk: { filesystem: { root: fs } }
drills:
  - name: ${name}
    stallTimeout: 2m
    source: { pgdump: { store: ${store}, database: shop, key: ${KEY}, jobs: 2 } }
${extra}    checks:
      - rows: { table: shop.filler, exact: ${ROWS} }
`,
  );
  const run = await runSuites(await loadSuites([file]), { engines: [engine], env: process.env });
  return run.drills[0]!;
}

/** Hold back the archive's last 256 KiB on the first connection that gets that far: only a whole download does. */
const holdDownloadEnd = (): Promise<void> => proxy.hold(size - 256 * 1024);

async function expectNothingLeft(seen: Observed): Promise<void> {
  expect(seen.workDir).toBeDefined();
  expect(await serverProcessesUnder(seen.workDir!)).toEqual([]);
  expect(await stat(seen.workDir!).catch(() => 'removed')).toBe('removed');
}

describe('pg_dump drill set-up runs the server start and the archive fetch together', () => {
  test('the server starts while the download is held back; released then, the drill passes', async () => {
    const held = holdDownloadEnd();
    let released = false;
    let enteredBeforeRelease: boolean | undefined;
    const { engine, seen } = observedEngine({
      entered: () => {
        enteredBeforeRelease = !released;
        void held.then(() => {
          released = true;
          proxy.release();
        });
      },
    });
    // A drill that fetched before starting its server would wait here until its stall limit.
    const result = await drill(engine, 'overlap');
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('passed');
    expect(enteredBeforeRelease).toBe(true);
    expect(released).toBe(true);
    expect(result.backup?.[0]?.readRetries).toBe(0);
    expect(result.backup?.[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.timings?.fetchSeconds).toBeGreaterThan(0);
    expect(result.timings?.engineSeconds).toBeGreaterThan(0);
    await expectNothingLeft(seen);
  }, 300_000);

  test('a download failing once the server is up stops the server; the error is the download’s', async () => {
    const held = holdDownloadEnd();
    const { engine, seen } = observedEngine({
      started: async () => {
        await held;
        // The held read and every resumed one are reset: the download fails for good.
        proxy.failAll();
      },
    });
    const result = await drill(engine, 'download-fails');
    proxy.reset();
    expect(seen.server).toBeDefined();
    expect(result.status).toBe('error');
    expect(result.error?.code).toMatch(/^STORAGE_/);
    expect(result.error?.message).toContain(KEY);
    await expectNothingLeft(seen);
  }, 300_000);

  test('a server that fails to start stops the held download; the error is the server’s', async () => {
    const held = holdDownloadEnd();
    // The real start is called once the download is held: it is under way when the start fails.
    const { engine, seen } = observedEngine({ entered: () => held });
    const closed = once(proxy, 'closed');
    const result = await drill(engine, 'start-fails', '    postgres: { settings: { work_mem: "lots" } }\n');
    expect(result.status).toBe('error');
    expect(result.error?.code).toMatch(/^(SERVER_START_FAILED|PG_CTL_START_FAILED)$/);
    expect(seen.server).toBeUndefined();
    // The drill stopped reading: the held connection was closed by pgdrill, not released by the test.
    await closed;
    expect(proxy.heldClosedByClient).toBe(true);
    proxy.reset();
    await expectNothingLeft(seen);
  }, 300_000);

  test('an archive read in place that changes while the server starts is a storage fault, not a pass', async () => {
    const path = join(lab.dir, 'fs', KEY);
    const { engine, seen } = observedEngine({
      // The hash reads it now (or has read it): a new mtime, same size and bytes, must still be noticed.
      entered: async () => {
        const later = new Date(Date.now() + 5_000);
        await utimes(path, later, later);
      },
    });
    const result = await drill(engine, 'changed-in-place', '', 'disk');
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('STORAGE_OBJECT_CHANGED');
    expect(result.error?.message).toContain(path);
    await expectNothingLeft(seen);
  }, 300_000);
});
