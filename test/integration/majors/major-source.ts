import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { finished } from 'node:stream/promises';

/**
 * A source database in a container of a PostgreSQL image (the official one's environment contract), dumped by
 * that image's own pg_dump: what a team running that major hands pgdrill. The container has no published port
 * and is removed by `remove()`.
 */
export interface MajorSource {
  id: string;
  psql(database: string, sql: string): Promise<string>;
  /** pg_dump inside the container; the archive (a file, or a directory for -Fd) is written to `target` here. */
  dump(database: string, format: 'c' | 'd' | 'p', target: string): Promise<void>;
  remove(): Promise<void>;
}

export async function startMajorSource(image: string): Promise<MajorSource> {
  const id = (
    await docker([
      'run',
      '-d',
      '--network',
      'none',
      '--label',
      'org.pgdrill.test=major-source',
      '-e',
      'POSTGRES_PASSWORD=source',
      image,
    ])
  ).trim();
  const remove = () => docker(['rm', '-f', '-v', id]).then(() => undefined);
  try {
    await waitUntilReady(id);
  } catch (error) {
    await remove().catch(() => undefined);
    throw error;
  }
  return {
    id,
    psql: (database, sql) =>
      docker([
        'exec',
        '-u',
        'postgres',
        id,
        'psql',
        '-X',
        '-q',
        '-At',
        '-v',
        'ON_ERROR_STOP=1',
        '-d',
        database,
        '-c',
        sql,
      ]),
    dump: async (database, format, target) => {
      if (format === 'd') {
        // -Fd writes a directory: made inside the container, copied out whole.
        await docker(['exec', '-u', 'postgres', id, 'pg_dump', '-Fd', '-f', '/tmp/dump.dir', database]);
        await mkdir(target, { recursive: true });
        await docker(['cp', `${id}:/tmp/dump.dir/.`, target]);
        await docker(['exec', id, 'rm', '-rf', '/tmp/dump.dir']);
        return;
      }
      const child = spawn('docker', ['exec', '-u', 'postgres', id, 'pg_dump', `-F${format}`, database], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const out = createWriteStream(target);
      child.stdout.pipe(out);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      await finished(out);
      if (code !== 0) throw new Error(`pg_dump -F${format} ${database} in ${image} exited ${code}: ${stderr}`);
    },
    remove,
  };
}

// The entry point runs initdb, then the server: ready once pg_isready answers on the socket. Each probe is
// one docker exec; the loop ends on that answer or on the container's exit, never after a fixed time.
async function waitUntilReady(id: string): Promise<void> {
  for (;;) {
    const ok = await docker(['exec', '-u', 'postgres', id, 'pg_isready', '-q']).then(
      () => true,
      () => false,
    );
    // initdb's temporary server also answers; a query that survives means the real one is up.
    if (
      ok &&
      (await docker(['exec', '-u', 'postgres', id, 'psql', '-X', '-At', '-c', 'SELECT 1']).catch(() => '')).trim() ===
        '1'
    )
      return;
    const state = (await docker(['inspect', '-f', '{{.State.Running}}', id])).trim();
    if (state !== 'true')
      throw new Error(
        `source container ${id} exited before it accepted connections: ${await docker(['logs', '--tail', '20', id]).catch(() => '')}`,
      );
  }
}

export function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('docker', args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`docker ${args.slice(0, 3).join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
    ),
  );
}
