import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BUCKET, leftovers, serverProcessesUnder, startBackupLab, type BackupLab } from '../support/backup-lab.js';

// Every bad input through the built CLI: a clear message, the right exit code, a JUnit <failure> or
// <error>, and nothing left behind (no server process, no file in the run's TMPDIR).
let lab: BackupLab;

beforeAll(async () => {
  lab = await startBackupLab({
    extra: async ({ server, s3, put }) => {
      const good = await put('broken/good.dump', { format: 'custom' });
      const bytes = await readFile(good);
      await s3.putObject(BUCKET, 'broken/truncated.dump', bytes.subarray(0, Math.floor(bytes.length * 0.75)));
      const flipped = Buffer.from(bytes);
      flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
      await s3.putObject(BUCKET, 'broken/flipped.dump', flipped);
      await server.runClient('psql', ['-X', '-q', '-d', 'shop', '-c', "SELECT setval('shop.orders_id_seq', 10)"]);
      await put('broken/seq-behind.dump', { format: 'custom' });
    },
  });
}, 300_000);

afterAll(async () => {
  await lab?.close();
});

interface Case {
  name: string;
  suite: (storage: string) => string;
  exitCode: number;
  message: RegExp;
  junit: 'failure' | 'error';
  env?: Record<string, string>;
}

const drill = (source: string, checks = '') => (storage: string) => `name: bad\n${storage}drills:\n  - name: d\n    source: { pgdump: { store: lab, database: shop, ${source} } }\n${checks}`;

const cases: Case[] = [
  { name: 'malformed YAML', suite: () => 'name: bad\ndrills: [ { name: d\n', exitCode: 2, message: /is not valid YAML.*\n.*line \d+/, junit: 'error' },
  {
    name: 'unknown key',
    suite: drill('key: formats/shop.dump', '    checks:\n      - rows: { table: shop.users, min: 1, maxx: 5 }\n'),
    exitCode: 2,
    message: /drills\[0\]\.checks\[0\]\.rows \(line 9\): unknown key "maxx"/,
    junit: 'error',
  },
  { name: 'missing env var', suite: drill('prefix: "${PGDRILL_TEST_UNSET_PREFIX}"'), exitCode: 2, message: /drills\[0\]\.source\.pgdump\.prefix.*environment variable PGDRILL_TEST_UNSET_PREFIX is not set/, junit: 'error' },
  { name: 'no backup under the prefix', suite: drill('prefix: nothing-here/'), exitCode: 1, message: /BACKUP_NOT_FOUND: .*nothing-here/, junit: 'failure' },
  { name: 'truncated dump', suite: drill('key: broken/truncated.dump'), exitCode: 1, message: /RESTORE_FAILED: .*broken\/truncated\.dump.*\n(.*\n)*.*(end of file|could not read|possibly corrupt archive)/, junit: 'failure' },
  { name: 'a dump with one byte changed', suite: drill('key: broken/flipped.dump'), exitCode: 1, message: /RESTORE_FAILED: .*broken\/flipped\.dump/, junit: 'failure' },
  {
    name: 'wrong decryption key',
    suite: drill('key: formats/shop.dump.gz.enc, decrypt: { keyEnv: LAB_KEY }'),
    env: { LAB_KEY: 'not-the-key' },
    exitCode: 1,
    message: /DECRYPT_FAILED: .*shop\.dump\.gz\.enc/,
    junit: 'failure',
  },
  { name: 'an expected table missing', suite: drill('key: formats/shop.dump', '    checks:\n      - schema: { tables: [shop.users, shop.invoices] }\n'), exitCode: 1, message: /✗ schema.*\n(.*\n)*.*shop\.invoices/, junit: 'failure' },
  { name: 'a sequence behind its column', suite: drill('key: broken/seq-behind.dump', '    checks:\n      - sequences: {}\n'), exitCode: 1, message: /✗ sequences(.*\n)*.*orders_id_seq/, junit: 'failure' },
  { name: 'too few rows', suite: drill('key: formats/shop.dump', '    checks:\n      - rows: { table: shop.orders, min: 1000000 }\n'), exitCode: 1, message: /✗ rows shop\.orders >= 1000000.*\n(.*\n)*.*expected at least 1000000/, junit: 'failure' },
  {
    name: 'unreachable storage',
    suite: () => `name: bad\nstorage:\n  lab: { s3: { bucket: ${BUCKET}, endpoint: "https://127.0.0.1:9", forcePathStyle: true } }\ndrills:\n  - name: d\n    source: { pgdump: { store: lab, key: formats/shop.dump } }\n`,
    exitCode: 3,
    message: /STORAGE_UNREACHABLE: .*127\.0\.0\.1:9/,
    junit: 'error',
  },
];

describe('bad input ends with a clear message, the right exit code, JUnit, and nothing left behind', () => {
  test.each(cases)('$name', async (c) => {
    const file = await lab.writeSuite(`bad-${c.name.replace(/\W+/g, '-')}`, c.suite(lab.storageYaml));
    const junit = join(lab.dir, `${c.name.replace(/\W+/g, '-')}.junit.xml`);
    const result = await lab.runCli(['run', file, '--junit', junit], { env: c.env });
    const output = result.stdout + result.stderr;
    expect(result.exitCode, output).toBe(c.exitCode);
    expect(output).toMatch(c.message);
    const xml = await readFile(junit, 'utf8');
    expect(xml).toContain(`<${c.junit} `);
    expect(await serverProcessesUnder(result.tmp)).toEqual([]);
    expect(await leftovers(result.tmp)).toEqual([]);
  });
});

