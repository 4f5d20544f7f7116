import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { findInstallations, type PgInstallation } from '../../../src/engines/local/find-installations.js';
import { createLocalEngine } from '../../../src/engines/local/local-engine.js';
import { createTemplateCache, templateCacheDir } from '../../../src/engines/local/template-cluster.js';

// Template clusters: initdb once per installation, then a copy per server with a password of its own.
const installations = await findInstallations();
const pg15 = installations.find((i) => i.major === 15 && i.tools.initdb && i.tools.pg_ctl);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-template-test-'));
  await chmod(dir, 0o711);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function login(connection: pg.ClientConfig): Promise<string> {
  const client = new pg.Client({ ...connection, ssl: false });
  try {
    await client.connect();
    return (await client.query<{ who: string }>('select current_user as who')).rows[0]!.who;
  } catch (error) {
    return `refused: ${(error as { code?: string }).code}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe.skipIf(!pg15)(
  `local engine from a template cluster${pg15 ? '' : ' (skipped: PostgreSQL 15 server binaries are not installed)'}`,
  () => {
    test('the first server initdbs and stores the template; the next ones copy it, each with its own password and the scram-only pg_hba.conf', async () => {
      const cache = join(dir, 'cache');
      const engine = createLocalEngine({ templateCache: cache });
      const workDir = await mkdtemp(join(dir, 'work-'));
      await chmod(workDir, 0o711);
      const first = await engine.start({ workDir, major: 15 });
      const second = await engine.start({ workDir, major: 15 });
      const third = await engine.start({ workDir, major: 15 });
      try {
        expect(fromTemplate(first)).toBe(false);
        expect(fromTemplate(second)).toBe(true);
        expect(fromTemplate(third)).toBe(true);
        const templates = await readdir(cache);
        expect(templates).toHaveLength(1);
        expect(templates[0]).toMatch(/^pg15-[0-9a-f]{8}-[0-9a-f]{16}$/);
        // 0700 all the way: only pgdrill's user (and the server user, owner of the data) may read a template.
        expect((await stat(cache)).mode & 0o777).toBe(0o700);
        const passwords = new Set([first, second, third].map((s) => s.connection.password));
        expect(passwords.size).toBe(3);
        for (const server of [second, third]) {
          expect(await login(server.connection)).toBe('pgdrill');
          // The template's password (the first server's) and no password at all are refused over TCP.
          expect(await login({ ...server.connection, password: first.connection.password })).toBe('refused: 28P01');
          const dataDir = (server as unknown as { dataDir: string }).dataDir;
          const hba = await readFile(join(dataDir, 'pg_hba.conf'), 'utf8');
          expect(hba).not.toMatch(/^\s*local\s+all\s+all\s+trust/m);
          expect(hba).toMatch(/scram-sha-256/);
        }
      } finally {
        for (const server of [first, second, third]) await server[Symbol.asyncDispose]();
      }
    }, 120_000);

    test('PGDRILL_CACHE_DIR=off turns templates off; unset, the cache is under XDG_CACHE_HOME', () => {
      expect(templateCacheDir({ PGDRILL_CACHE_DIR: 'off' })).toBeUndefined();
      expect(templateCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/pgdrill/templates');
      expect(templateCacheDir({ PGDRILL_CACHE_DIR: '/y' })).toBe('/y/templates');
    });
  },
);

describe('the template cache', () => {
  // A stand-in installation: the cache keys templates by the binaries' identity, not by running them.
  async function fakeInstallation(): Promise<PgInstallation> {
    const binDir = join(dir, 'bin');
    await mkdir(binDir, { recursive: true });
    for (const tool of ['initdb', 'postgres'])
      await writeFile(join(binDir, tool), `#!/bin/sh\n# ${tool}\n`, { mode: 0o755 });
    return {
      major: 15,
      version: '15.0',
      binDir,
      tools: { pg_restore: true, pg_dump: true, psql: true, pg_ctl: true, initdb: true },
    } as PgInstallation;
  }
  async function fakeDataDir(name: string): Promise<string> {
    const data = join(dir, name);
    await mkdir(data, { mode: 0o700 });
    await writeFile(join(data, 'PG_VERSION'), '15\n');
    return data;
  }

  test('a template is found once stored, replaced after a binary upgrade, and the old one removed', async () => {
    const cacheDir = join(dir, 'cache');
    const cache = createTemplateCache(cacheDir);
    const installation = await fakeInstallation();
    expect(await cache.find(installation, undefined)).toBeUndefined();
    await cache.store(installation, undefined, await fakeDataDir('data-1'));
    const first = await cache.find(installation, undefined);
    expect(first).toBeDefined();
    expect(await readFile(join(first!, 'PG_VERSION'), 'utf8')).toBe('15\n');
    // The package is upgraded: the postgres binary changes.
    await writeFile(join(installation.binDir, 'postgres'), '#!/bin/sh\n# postgres, a newer minor\n');
    await utimes(join(installation.binDir, 'postgres'), new Date(), new Date(Date.now() + 60_000));
    expect(await cache.find(installation, undefined)).toBeUndefined();
    await cache.store(installation, undefined, await fakeDataDir('data-2'));
    const second = await cache.find(installation, undefined);
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(await readdir(cacheDir)).toEqual([second!.slice(cacheDir.length + 1)]);
  });

  test('copies left by a killed pgdrill are removed; a cache that cannot be written costs nothing but the template', async () => {
    const cacheDir = join(dir, 'cache');
    await mkdir(cacheDir, { mode: 0o700 });
    // PID 2^22 + 1 is above Linux's pid_max: no process has it.
    await mkdir(join(cacheDir, 'pg15-00000000-0000000000000000.partial-4194305-abcd1234'));
    const installation = await fakeInstallation();
    await createTemplateCache(cacheDir).store(installation, undefined, await fakeDataDir('data'));
    expect((await readdir(cacheDir)).filter((n) => n.includes('.partial-'))).toEqual([]);
    // A file where the cache directory should be: store() gives up quietly, find() finds nothing.
    const blocked = createTemplateCache(join(dir, 'file-not-dir', 'templates'));
    await writeFile(join(dir, 'file-not-dir'), '');
    await blocked.store(installation, undefined, await fakeDataDir('data-3'));
    expect(await blocked.find(installation, undefined)).toBeUndefined();
  });
});

function fromTemplate(server: object): boolean | undefined {
  return (server as { timings?: { fromTemplate?: boolean } }).timings?.fromTemplate;
}
