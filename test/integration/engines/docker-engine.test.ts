import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createDockerEngine } from '../../../src/engines/docker/docker-engine.js';
import { loadSuites, runSuites } from '../../../src/index.js';
import { dockerEngineAvailability, pgdrillContainers, testImage } from '../../support/docker-support.js';
import { PG_BIN } from '../../support/scratch-postgres.js';

const docker = await dockerEngineAvailability();
const skip = docker.usable ? '' : ` (skipped: ${docker.reason})`;

let workDir: string;
beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'pgdrill-docker-test-'));
  await chmod(workDir, 0o711);
});
afterEach(async () => {
  await rm(workDir, { recursive: true, force: true });
});
afterAll(async () => {
  if (!docker.usable) return;
  expect(await pgdrillContainers(join(tmpdir(), 'pgdrill-docker-test-'))).toEqual([]);
});

/** Whether a TCP connection to host:port is accepted (refused or timed out: false). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/** This machine's IPv4 addresses other than loopback (its network interface, the Docker bridge). */
function otherAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
}

describe.skipIf(!docker.usable)(`docker engine${skip}`, () => {
  test('a server answers on 127.0.0.1 with its random password, and not on any other address of the host', async () => {
    const engine = createDockerEngine({ pull: 'never' });
    await using server = await engine.start({ workDir, major: 15 });
    expect(server.kind).toBe('docker');
    expect(server.image).toBe(testImage(server.major));
    expect(server.connection.host).toBe('127.0.0.1');
    expect(await accepts('127.0.0.1', server.connection.port)).toBe(true);
    const others = otherAddresses();
    expect(others.length).toBeGreaterThan(0);
    for (const address of others) expect(await accepts(address, server.connection.port), address).toBe(false);
    const client = new pg.Client({ ...server.connection, ssl: false });
    await client.connect();
    expect((await client.query<{ v: string }>("select current_setting('server_version_num') as v")).rows[0]!.v).toMatch(
      /^15/,
    );
    await client.end();
    const wrong = new pg.Client({ ...server.connection, password: 'not-the-password', ssl: false });
    await expect(wrong.connect()).rejects.toThrow(/password authentication failed/);
    // Client tools run inside the container, with the server's major.
    const version = await server.runClient('psql', ['-X', '-At', '-c', 'select 1']);
    expect(version.stdout.trim()).toBe('1');
  });

  test('a missing image with pulls disabled is a clear error naming it, and nothing is started', async () => {
    const engine = createDockerEngine({ pull: 'never', images: [{ image: 'pgdrill/absent-image:{major}' }] });
    const error = await engine.start({ major: 15, workDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'DOCKER_IMAGE_MISSING' });
    expect((error as Error).message).toMatch(/^the image pgdrill\/absent-image:1\d /);
    expect((error as Error).message).toContain('pulls are disabled');
    expect((error as { hint: string }).hint).toContain('scripts/build-images.sh');
    expect(await pgdrillContainers(workDir)).toEqual([]);
  });

  test('an image without an extension the archive needs fails the restore, naming the extension and the image', async () => {
    const dumps = join(workDir, 'dumps');
    await import('node:fs/promises').then((fs) => fs.mkdir(dumps));
    // A plain pg_dump script that needs PostGIS, which pgdrill/postgres:15 (Debian's postgresql-15) lacks.
    await writeFile(
      join(dumps, 'gis.sql'),
      [
        '-- PostgreSQL database dump',
        '-- Dumped from database version 15.20',
        '-- Dumped by pg_dump version 15.20',
        'CREATE EXTENSION IF NOT EXISTS postgis WITH SCHEMA public;',
        'CREATE TABLE public.places (id integer);',
        '',
      ].join('\n'),
    );
    const suite = join(workDir, 'gis.yaml');
    await writeFile(
      suite,
      [
        'name: gis',
        'engine:',
        `  docker: { pull: never, images: [ { image: "${process.env.PGDRILL_POSTGRES_IMAGE}", extensions: [postgis] } ] }`,
        'storage: { disk: { filesystem: { root: dumps } } }',
        'drills:',
        '  - name: gis',
        '    source: { pgdump: { store: disk, key: gis.sql, database: gis } }',
        '    checks: [ { rows: { table: public.places, min: 0 } } ]',
        '',
      ].join('\n'),
    );
    const run = await runSuites(await loadSuites([suite]), { engine: 'docker', env: process.env });
    const drill = run.drills[0]!;
    expect(drill.status).toBe('error');
    expect(drill.error?.code).toBe('EXTENSION_NOT_AVAILABLE');
    expect(drill.error?.message).toBe(
      `the archive needs extension postgis, which PostgreSQL ${drill.engine?.major ?? 15} in the image ${testImage(drill.engine?.major ?? 15)} does not have`,
    );
    expect(drill.error?.hint).toContain('engine.docker.images');
    expect(await pgdrillContainers(workDir)).toEqual([]);
  });

  test('a custom archive on a filesystem store, restored in place with parallel jobs, is visible inside the container', async () => {
    const dumps = join(workDir, 'dumps');
    await mkdir(dumps);
    {
      await using source = await createDockerEngine({ pull: 'never' }).start({ workDir, major: 15 }); // the host's pg_dump is 15
      await source.runClient('psql', [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        'CREATE TABLE public.items AS SELECT g AS id FROM generate_series(1, 1234) g',
      ]);
      await new Promise<void>((resolve, reject) =>
        execFile(
          join(PG_BIN, 'pg_dump'),
          ['-Fc', '-f', join(dumps, 'items.dump')],
          { env: { ...process.env, ...source.clientEnv() } },
          (e, _o, err) => (e ? reject(new Error(err)) : resolve()),
        ),
      );
    }
    const suite = join(workDir, 'in-place.yaml');
    await writeFile(
      suite,
      [
        'name: in-place',
        'storage: { disk: { filesystem: { root: dumps } } }',
        'drills:',
        '  - name: in-place',
        '    source: { pgdump: { store: disk, key: items.dump, database: items, jobs: 2 } }',
        '    checks: [ { rows: { table: public.items, exact: 1234 } } ]',
        '',
      ].join('\n'),
    );
    const run = await runSuites(await loadSuites([suite]), { engine: 'docker', env: process.env });
    const drill = run.drills[0]!;
    expect(drill.error, JSON.stringify(drill.error)).toBeUndefined();
    expect(drill.status).toBe('passed');
    expect(drill.engine?.kind).toBe('docker');
    expect(await pgdrillContainers(workDir)).toEqual([]);
  });
});
