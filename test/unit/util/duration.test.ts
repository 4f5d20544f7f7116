import { describe, expect, it } from 'vitest';
import { formatDuration, isDuration, parseDuration } from '../../../src/util/duration.js';
import { ConfigError } from '../../../src/errors.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['1h30m', 5400],
    ['1h 30m', 5400],
    ['2d', 172_800],
    ['1w', 604_800],
    ['500ms', 0.5],
    ['1.5h', 5400],
    ['90', 90],
    [' 42 ', 42],
    [120, 120],
  ] as const)('reads %j as %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', 'soon', '1h30', '90 seconds', '-5s', 'h', '1x', '1h-'])('rejects %j with a hint', (text) => {
    expect(() => parseDuration(text)).toThrow(ConfigError);
    expect(isDuration(text)).toBe(false);
    try {
      parseDuration(text);
    } catch (error) {
      expect(error).toMatchObject({ code: 'INVALID_DURATION', message: `"${text}" is not a duration` });
      expect((error as ConfigError).hint).toContain('1h30m');
    }
  });

  it('rejects negative and non-finite numbers', () => {
    expect(isDuration(-1)).toBe(false);
    expect(isDuration(Number.POSITIVE_INFINITY)).toBe(false);
  });
});

describe('formatDuration', () => {
  it.each([
    [42.14, '42.1s'],
    [90, '1m 30s'],
    [3600, '1h'],
    [5400, '1h 30m'],
    [90_061, '1d 1h'],
  ])('formats %d seconds as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
