import { describe, expect, test } from 'vitest';
import {
  chooseImage,
  defaultImageRules,
  describePick,
  describePicks,
  pickImage,
  type ImageRule,
} from '../../../src/engines/docker/docker-images.js';
import { EngineError } from '../../../src/errors.js';

/** The image the docker engine runs for `major` (and `needed` extensions), given the images present in the Docker engine. */
function imageFor(options: {
  rules?: ImageRule[];
  env?: Record<string, string>;
  major: number;
  needed?: string[];
  present: string[];
  pull: 'never' | 'missing';
}) {
  const rules = [...(options.rules ?? []), ...defaultImageRules(options.env ?? {})];
  return pickImage(chooseImage(rules, options.major, options.needed), new Set(options.present), options.pull);
}

describe('default image rules', () => {
  test("the official images come first, pgdrill's own builds are their fallbacks", () => {
    expect(defaultImageRules({})).toEqual([
      {
        image: 'timescale/timescaledb:latest-pg{major}',
        extensions: ['timescaledb'],
        fallback: 'pgdrill/timescaledb:latest-pg{major}',
      },
      { image: 'postgres:{major}', fallback: 'pgdrill/postgres:{major}' },
    ]);
  });

  test('an image named in PGDRILL_POSTGRES_IMAGE / PGDRILL_TIMESCALEDB_IMAGE has no fallback', () => {
    expect(
      defaultImageRules({
        PGDRILL_POSTGRES_IMAGE: 'registry.internal/pg:{major}',
        PGDRILL_TIMESCALEDB_IMAGE: 'registry.internal/tsdb:pg{major}',
      }),
    ).toEqual([
      { image: 'registry.internal/tsdb:pg{major}', extensions: ['timescaledb'] },
      { image: 'registry.internal/pg:{major}' },
    ]);
  });
});

describe('picking the image to run', () => {
  const local = ['pgdrill/postgres:15', 'pgdrill/postgres:17', 'pgdrill/timescaledb:latest-pg17'];

  test('the official image when it is present, even with pulls disabled and the fallback present', () => {
    expect(imageFor({ major: 17, present: ['postgres:17', ...local], pull: 'never' })).toEqual({
      image: 'postgres:17',
      rule: 'postgres:{major}, fallback pgdrill/postgres:{major}',
    });
    expect(
      imageFor({
        major: 17,
        needed: ['timescaledb'],
        present: ['timescale/timescaledb:latest-pg17', ...local],
        pull: 'never',
      }),
    ).toMatchObject({
      image: 'timescale/timescaledb:latest-pg17',
    });
  });

  test('pgdrill/postgres:<major> when postgres:<major> is absent and pulls are disabled, saying so', () => {
    const pick = imageFor({ major: 15, present: local, pull: 'never' });
    expect(pick).toEqual({
      image: 'pgdrill/postgres:15',
      rule: 'postgres:{major}, fallback pgdrill/postgres:{major}',
      insteadOf: 'postgres:15',
    });
    expect(describePick(pick)).toBe(
      'pgdrill/postgres:15 (fallback: postgres:15 is not present and pulls are disabled)',
    );
  });

  test('pgdrill/timescaledb:latest-pg<major> for a TimescaleDB restore when the official image is absent and pulls are disabled', () => {
    const pick = imageFor({ major: 17, needed: ['timescaledb'], present: local, pull: 'never' });
    expect(pick).toMatchObject({
      image: 'pgdrill/timescaledb:latest-pg17',
      insteadOf: 'timescale/timescaledb:latest-pg17',
    });
    expect(describePick(pick)).toBe(
      'pgdrill/timescaledb:latest-pg17 (fallback: timescale/timescaledb:latest-pg17 is not present and pulls are disabled)',
    );
  });

  test('a plain restore never runs the TimescaleDB image, and a TimescaleDB restore never the plain one', () => {
    expect(imageFor({ major: 17, present: ['pgdrill/timescaledb:latest-pg17'], pull: 'never' }).image).toBe(
      'postgres:17',
    );
    expect(
      imageFor({ major: 17, needed: ['timescaledb'], present: ['pgdrill/postgres:17'], pull: 'never' }).image,
    ).toBe('timescale/timescaledb:latest-pg17');
  });

  test('the official image when pulls are allowed: it is pulled rather than replaced', () => {
    expect(imageFor({ major: 17, present: local, pull: 'missing' })).toEqual({
      image: 'postgres:17',
      rule: 'postgres:{major}, fallback pgdrill/postgres:{major}',
    });
    expect(imageFor({ major: 17, needed: ['timescaledb'], present: local, pull: 'missing' }).image).toBe(
      'timescale/timescaledb:latest-pg17',
    );
  });

  test('the official image (then reported missing) when its fallback is absent too', () => {
    expect(imageFor({ major: 18, present: local, pull: 'never' })).toEqual({
      image: 'postgres:18',
      rule: 'postgres:{major}, fallback pgdrill/postgres:{major}',
    });
    expect(imageFor({ major: 18, needed: ['timescaledb'], present: local, pull: 'never' }).image).toBe(
      'timescale/timescaledb:latest-pg18',
    );
  });

  test('an image named in the environment or in the suite is never replaced', () => {
    expect(
      imageFor({
        env: { PGDRILL_POSTGRES_IMAGE: 'registry.internal/pg:{major}' },
        major: 17,
        present: local,
        pull: 'never',
      }).image,
    ).toBe('registry.internal/pg:17');
    expect(
      imageFor({
        rules: [{ image: 'corp/tsdb:{major}', extensions: ['timescaledb'] }],
        major: 17,
        needed: ['timescaledb'],
        present: local,
        pull: 'never',
      }).image,
    ).toBe('corp/tsdb:17');
    expect(
      imageFor({ rules: [{ image: 'corp/pg:17', major: 17 }], major: 17, present: local, pull: 'never' }).image,
    ).toBe('corp/pg:17');
  });

  test('a suite rule for another major leaves the defaults (and their fallbacks) to this one', () => {
    expect(
      imageFor({ rules: [{ image: 'corp/pg:16', major: 16 }], major: 17, present: local, pull: 'never' }).image,
    ).toBe('pgdrill/postgres:17');
  });

  test('several picks say which images stand in for absent ones', () => {
    const picks = [
      imageFor({ major: 17, present: ['postgres:17'], pull: 'never' }),
      imageFor({ major: 17, needed: ['timescaledb'], present: local, pull: 'never' }),
    ];
    expect(describePicks(picks)).toBe(
      'postgres:17, pgdrill/timescaledb:latest-pg17 (fallbacks: timescale/timescaledb:latest-pg17 is not present and pulls are disabled)',
    );
    expect(
      describePicks([
        imageFor({ major: 15, present: local, pull: 'never' }),
        imageFor({ major: 17, present: local, pull: 'never' }),
      ]),
    ).toBe(
      'pgdrill/postgres:15, pgdrill/postgres:17 (fallbacks: postgres:15, postgres:17 are not present and pulls are disabled)',
    );
    expect(describePicks([imageFor({ major: 17, present: ['postgres:17'], pull: 'never' })])).toBe('postgres:17');
  });
});

describe('choosing a rule', () => {
  test('a restore needing an extension no rule names runs the plain image', () => {
    expect(chooseImage(defaultImageRules({}), 17, ['postgis'])).toEqual({
      image: 'postgres:17',
      rule: 'postgres:{major}, fallback pgdrill/postgres:{major}',
      fallback: 'pgdrill/postgres:17',
    });
  });

  test('no rule for the major is an error listing the rules', () => {
    const error = (() => {
      try {
        return chooseImage([{ image: 'corp/pg:16', major: 16 }], 17);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({
      code: 'DOCKER_NO_IMAGE_RULE',
      message: 'no image rule serves PostgreSQL 17',
      details: ['rule: corp/pg:16, major 16'],
    });
  });
});
