// Pure logic of the local engine's restored servers (no database): it sits beside the integration tests that exercise it.
import { describe, expect, test } from 'vitest';
import { parseControlData, raiseToControlData } from '../../../src/engines/local/controldata.js';
import { renderRestoredServerConf } from '../../../src/engines/local/restored-server-config.js';
import { scramVerifier } from '../../../src/engines/local/scram-verifier.js';

const CONTROLDATA = `pg_control version number:            1300
Database cluster state:               in production
wal_level setting:                    logical
max_connections setting:              250
max_worker_processes setting:         8
max_wal_senders setting:              10
max_prepared_xacts setting:           0
max_locks_per_xact setting:           64
`;

describe('raiseToControlData', () => {
  test('raises what the primary had higher, keeps a higher value of the caller, maps pg_control labels to setting names', () => {
    const raised = raiseToControlData(
      { max_wal_senders: '20', max_locks_per_transaction: '32', work_mem: '64MB' },
      parseControlData(CONTROLDATA),
    );
    expect(raised).toEqual({
      max_connections: '250',
      max_worker_processes: '8',
      max_wal_senders: '20',
      max_prepared_transactions: '0',
      max_locks_per_transaction: '64',
      wal_level: 'logical',
      work_mem: '64MB',
    });
  });

  test('wal_level is at least replica, whatever the primary or the caller said', () => {
    expect(
      raiseToControlData({ wal_level: 'minimal' }, parseControlData('wal_level setting: minimal\n')).wal_level,
    ).toBe('replica');
  });
});

describe('renderRestoredServerConf', () => {
  const base = {
    port: 5433,
    socketDir: '/s',
    dataDir: "/w/it's/data",
    hbaPath: '/w/pg_hba.conf',
    identPath: '/w/pg_ident.conf',
    settings: {},
  };

  test('quotes recovery settings (quotes, %f/%p, backslashes) and owns archiving, standby and promotion', () => {
    const conf = renderRestoredServerConf({ ...base, recovery: { restore_command: String.raw`cp '/a b/%f' "%p" \x` } });
    expect(conf).toContain(String.raw`restore_command = 'cp ''/a b/%f'' "%p" \\x'`);
    expect(conf).toContain(`data_directory = '/w/it''s/data'`);
    for (const line of [
      `archive_mode = off`,
      `archive_command = ''`,
      `primary_conninfo = ''`,
      'hot_standby = on',
      `recovery_target_action = 'promote'`,
      `hba_file = '/w/pg_hba.conf'`,
    ]) {
      expect(conf.split('\n')).toContain(line);
    }
  });

  test('a recovery_target_time in ISO 8601 with Z is written with +00, which PostgreSQL accepts at startup', () => {
    const conf = renderRestoredServerConf({ ...base, recovery: { recovery_target_time: '2026-11-22T11:24:16.308Z' } });
    expect(conf).toContain(`recovery_target_time = '2026-11-22T11:24:16.308+00'`);
  });
});

test('scramVerifier matches the RFC 7677 test vector', () => {
  const verifier = scramVerifier('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'));
  expect(verifier).toBe(
    'SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=',
  );
});
