import { afterAll, beforeAll, expect, test } from 'vitest';
import { startPhysicalLab, type PhysicalLab } from '../support/physical-lab.js';

// `pgdrill doctor` on physical sources: real pgBackRest (encrypted), pg_basebackup + WAL and barman-cloud
// backups in the embedded S3. The backup each drill would restore is found with the run's own lookups
// (`pgbackrest info`, the base backup listing, barman-cloud-backup-list) and nothing is restored.
let lab: PhysicalLab;

beforeAll(async () => {
  lab = await startPhysicalLab();
});

afterAll(async () => {
  await lab?.close();
});

const pgbackrest = (extra = '') =>
  `pgbackrest: { store: lab, stanza: main, database: shop, verifyTls: false, cipherPassEnv: LAB_CIPHER_PASS${extra} }`;
const drill = (name: string, source: string) => `
  - name: ${name}
    source: { ${source} }
    checks:
      - sequences: {}`;

test('finds the backup of every physical source and the PostgreSQL major it needs: exit 0', async () => {
  const yaml = `name: physical\n${lab.storageYaml}drills:${[
    drill('pgbackrest-latest', pgbackrest()),
    drill('basebackup-latest', `basebackup: { store: lab, key: ${lab.basebackup.prefix}, wal: { prefix: wal/ } }`),
    drill('barman-latest', `barmanCloud: { store: lab, prefix: barman, server: ${lab.barman.serverName} }`),
  ].join('')}\n`;
  const result = await lab.runCli(['doctor', await lab.writeSuite('doctor-physical', yaml)]);
  expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  expect(result.stdout).toMatch(/OK {3}env LAB_CIPHER_PASS: set \(drills\[0\]\.source\.pgbackrest\.cipherPassEnv\)/);
  expect(result.stdout).toMatch(
    /^physical\/pgbackrest-latest\n(?: {2}.*\n)*? {2}OK {3}backup: found .*stanza main set /m,
  );
  expect(result.stdout).toMatch(/OK {3}engine: local: PostgreSQL 15\.\d+ .*\(the backup is PostgreSQL 15\)/);
  expect(result.stdout).toMatch(/OK {3}tool pgbackrest: pgBackRest /);
  expect(result.stdout).toMatch(/OK {3}tool barman-cloud-restore: /);
  expect(result.stdout).not.toContain(lab.cipherPass);
});

test('a stanza or a barman server that does not exist is named, with the cipher pass unset too: exit 3', async () => {
  const yaml = `name: physical-bad\n${lab.storageYaml}drills:${[
    drill('wrong-stanza', pgbackrest().replace('stanza: main', 'stanza: nope')),
    drill('wrong-server', `barmanCloud: { store: lab, prefix: barman, server: not-a-server }`),
  ].join('')}\n`;
  const result = await lab.runCli(['doctor', await lab.writeSuite('doctor-physical-bad', yaml)], {
    LAB_CIPHER_PASS: '',
  });
  expect(result.exitCode, result.stdout + result.stderr).toBe(3);
  expect(result.stdout).toMatch(/FAIL env LAB_CIPHER_PASS: LAB_CIPHER_PASS is not set/);
  expect(result.stdout).toMatch(/^physical-bad\/wrong-server\n(?: {2}.*\n)*? {2}FAIL backup: BACKUP_NOT_FOUND: /m);
  expect(result.stdout).toMatch(/^physical-bad\/wrong-stanza\n(?: {2}.*\n)*? {2}FAIL backup: /m);
});

test("postgres.major other than the backup's own is refused with the run's code, from the backup's metadata alone: exit 3", async () => {
  const yaml = `name: physical-majors\n${lab.storageYaml}drills:${[
    drill('pgbackrest-17', pgbackrest()).replace('source:', 'postgres: { major: 17 }\n    source:'),
    drill('basebackup-16', `basebackup: { store: lab, key: ${lab.basebackup.prefix}, wal: { prefix: wal/ } }`).replace(
      'source:',
      'postgres: { major: 16 }\n    source:',
    ),
    drill('barman-15', `barmanCloud: { store: lab, prefix: barman, server: ${lab.barman.serverName} }`).replace(
      'source:',
      'postgres: { major: 15 }\n    source:',
    ),
  ].join('')}\n`;
  const result = await lab.runCli(['doctor', await lab.writeSuite('doctor-physical-majors', yaml)]);
  expect(result.exitCode, result.stdout + result.stderr).toBe(3);
  const drillLines = (name: string) =>
    new RegExp(`^physical-majors/${name}\\n((?: {2}.*\\n)*)`, 'm').exec(result.stdout)?.[1] ?? '';
  // pgbackrest info's db version and the base backup's PG_VERSION: the run's own message and hint (drill/pick-major.ts).
  expect(drillLines('pgbackrest-17')).toContain(
    '  FAIL postgres.major: PHYSICAL_MAJOR_MISMATCH: the drill asks for PostgreSQL 17 (postgres.major), but the pgbackrest backup is PostgreSQL 15: ' +
      'a physical backup restores only into its own major (hint: remove postgres.major (or set it to 15); ' +
      'to rehearse an upgrade to 17, drill a pg_dump of the database with postgres.major: 17)\n',
  );
  expect(drillLines('pgbackrest-17')).toContain('  SKIP engine: not checked: postgres.major is refused (see above)\n');
  expect(drillLines('basebackup-16')).toMatch(
    /^ {2}FAIL postgres\.major: PHYSICAL_MAJOR_MISMATCH: the drill asks for PostgreSQL 16 \(postgres\.major\), but the basebackup backup is PostgreSQL 15: /m,
  );
  expect(drillLines('barman-15')).toContain("  OK   postgres.major: 15, the backup's own major\n");
  expect(drillLines('barman-15')).toMatch(/^ {2}OK {3}engine: local: PostgreSQL 15\.\d+ .*\(postgres\.major\)$/m);
});
