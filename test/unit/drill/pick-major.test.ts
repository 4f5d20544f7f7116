import { describe, expect, test } from 'vitest';
import { pickMajor } from '../../../src/drill/pick-major.js';
import { EngineError } from '../../../src/errors.js';

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
