import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { computeFlywayChecksum } from '../../../../src/checks/migrations/flyway.js';

const PROGRAM = fileURLToPath(new URL('../../../fixtures/migrations/jdk/LineCrc32.java', import.meta.url));

function javaUnavailable(): string | undefined {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'no java on PATH';
  }
}

/** Line-reading edge cases where a port of Flyway's algorithm could drift from the JDK's own behaviour. */
const SAMPLES: Record<string, Buffer> = {
  empty: Buffer.alloc(0),
  lf: Buffer.from('create table t (id int);\nselect 1;\n'),
  crlf: Buffer.from('create table t (id int);\r\nselect 1;\r\n'),
  'lone cr': Buffer.from('a\rb\r\rc'),
  'cr at end': Buffer.from('a\r'),
  'crlf split over cr': Buffer.from('a\r\n\r\n\n\rb'),
  bom: Buffer.from('\uFEFFselect 1;\nselect 2;'),
  'bom alone': Buffer.from('\uFEFF'),
  'bom on second line': Buffer.from('a\n\uFEFFb'),
  'non-ascii': Buffer.from("comment on table t is 'café — 東京 — 🐘';\n"),
  'trailing spaces and tabs': Buffer.from('select 1;  \n\t\n  \n'),
  'long line': Buffer.from(`${'x'.repeat(10_000)}\n${'y'.repeat(5000)}`),
  'invalid utf-8': Buffer.from([0x61, 0xff, 0x62, 0x0a, 0xc3, 0x28, 0x0a, 0xe2, 0x82]),
};

const unavailable = javaUnavailable();

describe.skipIf(unavailable !== undefined)(
  `Flyway checksum against the JDK's readLine and CRC32${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let dir: string;
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('agrees on every sample', async () => {
      dir = await mkdtemp(join(tmpdir(), 'pgdrill-crc-'));
      const names = Object.keys(SAMPLES);
      const paths = names.map((_, index) => join(dir, `sample-${index}.sql`));
      await Promise.all(paths.map((path, index) => writeFile(path, SAMPLES[names[index]!]!)));
      const output = execFileSync('java', [PROGRAM, ...paths], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map(Number);
      expect(output).toHaveLength(names.length);
      expect(output.every(Number.isInteger)).toBe(true);
      const ours = names.map((name) => computeFlywayChecksum(SAMPLES[name]!));
      expect(Object.fromEntries(names.map((name, index) => [name, ours[index]]))).toEqual(
        Object.fromEntries(names.map((name, index) => [name, output[index]])),
      );
    });
  },
);
