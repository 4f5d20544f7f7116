import { join } from 'node:path';
import { readFile, readdir } from 'node:fs/promises';
import { test } from 'vitest';
import { startPhysicalLab } from '../support/physical-lab.js';
test('debug', async () => {
  const lab = await startPhysicalLab();
  const h = lab.pgbackrest.history;
  const yaml = `name: dbg\n${lab.storageYaml}drills:\n  - name: pgb\n    source: { pgbackrest: { store: lab, stanza: main, database: shop, verifyTls: false, cipherPassEnv: LAB_CIPHER_PASS } }\n    checks:\n      - rows: { table: shop.orders, exact: ${h.rowsAfterAccident} }\n`;
  const file = await lab.writeSuite('dbg', yaml);
  const r = await lab.runCli(['run', file, '--keep-on-failure'], { PGDRILL_ENGINE: 'docker' });
  console.log(r.stdout.slice(-3000), r.stderr.slice(-3000));
  const dirs = await readdir(r.tmp, { recursive: true });
  for (const d of dirs.filter((d) => d.endsWith('server.log'))) console.log(d, (await readFile(join(r.tmp, d), 'utf8')).slice(-4000));
  await lab.close();
}, 600000);
