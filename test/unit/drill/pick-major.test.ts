import { describe, expect, test } from 'vitest';
import { assertNotOlderThanDump, assertPhysicalMajor, pickMajor } from '../../../src/drill/pick-major.js';
import { ConfigError, EngineError, exitCodeFor } from '../../../src/errors.js';

describe('pickMajor', () => {
  test('the requested major wins; else the source major; else the nearest newer one', () => {
    expect(pickMajor({ requested: 16, sourceMajor: 15, available: [15, 17], engine: 'local' })).toBe(16);
    expect(pickMajor({ sourceMajor: 15, available: [17, 15, 18], engine: 'local' })).toBe(15);
    expect(pickMajor({ sourceMajor: 16, available: [18, 17, 15], engine: 'local' })).toBe(17);
    expect(pickMajor({ available: [15], engine: 'local' })).toBeUndefined();
  });

  test('only older majors: POSTGRES_MAJOR_NOT_INSTALLED names the server and client packages and the image at once', () => {
    let error: unknown;
    try {
      pickMajor({ sourceMajor: 17, available: [15], engine: 'local' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EngineError);
    const { code, message, hint } = error as EngineError;
    expect(code).toBe('POSTGRES_MAJOR_NOT_INSTALLED');
    expect(message).toContain('PostgreSQL 17');
    expect(message).toContain('the local engine has 15');
    expect(hint).toContain('apt-get install postgresql-17 postgresql-client-17');
    expect(hint).toContain('postgres:17');
  });
});

describe('postgres.major against the backup', () => {
  const refusal = (fn: () => unknown): ConfigError => {
    try {
      fn();
    } catch (error) {
      return error as ConfigError;
    }
    throw new Error('expected a refusal');
  };

  test('a newer major than the dump is an upgrade rehearsal; an older one is refused with exit 2', () => {
    expect(pickMajor({ requested: 18, sourceMajor: 15, available: [15], engine: 'docker' })).toBe(18);
    const error = refusal(() => pickMajor({ requested: 15, sourceMajor: 17, available: [15, 17], engine: 'docker' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(exitCodeFor(error)).toBe(2);
    expect(error.code).toBe('POSTGRES_MAJOR_OLDER_THAN_DUMP');
    expect(error.message).toContain('asks for PostgreSQL 15 (postgres.major), but the dump comes from PostgreSQL 17');
    expect(error.hint).toContain('set it to 17 or newer');
    expect(() => assertNotOlderThanDump(15, undefined)).not.toThrow();
  });

  test('a physical backup only into its own major', () => {
    expect(() => assertPhysicalMajor(17, 17, 'basebackup')).not.toThrow();
    expect(() => assertPhysicalMajor(undefined, 17, 'basebackup')).not.toThrow();
    const error = refusal(() => assertPhysicalMajor(18, 17, 'basebackup'));
    expect(exitCodeFor(error)).toBe(2);
    expect(error.code).toBe('PHYSICAL_MAJOR_MISMATCH');
    expect(error.message).toContain('the basebackup backup is PostgreSQL 17');
    expect(error.hint).toContain('pg_dump');
  });
});
