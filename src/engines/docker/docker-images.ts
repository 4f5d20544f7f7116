import { EngineError } from '../../errors.js';

/** One image rule of the suite's `engine.docker.images`; `{major}` in `image` is replaced by the server major. */
export interface ImageRule {
  image: string;
  /** Only for this major (a rule without one serves any major through `{major}`). */
  major?: number;
  /** Extensions this image provides beyond core PostgreSQL and contrib; it is chosen when the restore needs one. */
  extensions?: string[];
  /**
   * Run instead of `image` when `image` is not present and pulls are disabled (`{major}` replaced too): the
   * default rules name pgdrill's own images, which scripts/build-images.sh builds from Debian packages.
   */
  fallback?: string;
}

/** What scripts/build-images.sh builds from Debian packages: the stand-ins for the official images where none can be pulled. */
export const LOCAL_POSTGRES_IMAGE = 'pgdrill/postgres:{major}';
export const LOCAL_TIMESCALEDB_IMAGE = 'pgdrill/timescaledb:latest-pg{major}';

/**
 * The official images, last in the chain, with pgdrill's own builds as their fallbacks: overridable per machine
 * through PGDRILL_POSTGRES_IMAGE / PGDRILL_TIMESCALEDB_IMAGE (an image named there has no fallback).
 */
export function defaultImageRules(env: Record<string, string | undefined> = process.env): ImageRule[] {
  return [
    env.PGDRILL_TIMESCALEDB_IMAGE
      ? { image: env.PGDRILL_TIMESCALEDB_IMAGE, extensions: ['timescaledb'] }
      : {
          image: 'timescale/timescaledb:latest-pg{major}',
          extensions: ['timescaledb'],
          fallback: LOCAL_TIMESCALEDB_IMAGE,
        },
    env.PGDRILL_POSTGRES_IMAGE
      ? { image: env.PGDRILL_POSTGRES_IMAGE }
      : { image: 'postgres:{major}', fallback: LOCAL_POSTGRES_IMAGE },
  ];
}

/** Majors the official postgres images exist for, newest first: what a pulling engine can start. */
export const PULLABLE_MAJORS: readonly number[] = [18, 17, 16, 15, 14, 13];

export interface ImageChoice {
  image: string;
  /** Why this image: the rule that matched, for messages. */
  rule: string;
  /** The rule's fallback for this major, run when `image` is absent and pulls are disabled. */
  fallback?: string;
}

/**
 * The image for `major` and the extensions a restore needs: the first rule (suite rules, then the defaults)
 * that serves the major and, when the restore needs an extension some rule names, names it too.
 */
export function chooseImage(rules: readonly ImageRule[], major: number, needed: readonly string[] = []): ImageChoice {
  const special = new Set(rules.flatMap((r) => r.extensions ?? []));
  const wanted = needed.filter((e) => special.has(e));
  const fits = (r: ImageRule) => r.major === undefined || r.major === major;
  const match =
    wanted.length > 0
      ? rules.find((r) => fits(r) && wanted.every((e) => r.extensions?.includes(e)))
      : rules.find((r) => fits(r) && (r.extensions ?? []).length === 0);
  if (!match) {
    throw new EngineError(
      'DOCKER_NO_IMAGE_RULE',
      `no image rule serves PostgreSQL ${major}${wanted.length ? ` with ${wanted.join(', ')}` : ''}`,
      {
        details: rules.map((r) => `rule: ${describeRule(r)}`),
        hint: `add an entry to engine.docker.images, e.g. { image: "postgres:${major}"${wanted.length ? `, extensions: [${wanted.join(', ')}]` : ''} }`,
      },
    );
  }
  const forMajor = (image: string) => image.replaceAll('{major}', String(major));
  return {
    image: forMajor(match.image),
    rule: describeRule(match),
    ...(match.fallback ? { fallback: forMajor(match.fallback) } : {}),
  };
}

export interface PickedImage {
  /** The image the container runs. */
  image: string;
  rule: string;
  /** The rule's own image, when `image` is its fallback standing in for it. */
  insteadOf?: string;
}

/**
 * Which image of a choice to run, given the images present in the Docker engine: the rule's own image first;
 * its fallback only when that is absent, pulls are disabled and the fallback is present. Otherwise the rule's
 * image, which is then pulled (or reported missing).
 */
export function pickImage(choice: ImageChoice, present: ReadonlySet<string>, pull: 'never' | 'missing'): PickedImage {
  const { image, rule, fallback } = choice;
  if (fallback && fallback !== image && pull === 'never' && !present.has(image) && present.has(fallback))
    return { image: fallback, rule, insteadOf: image };
  return { image, rule };
}

/** The picked image in words, saying when it is a fallback and why. */
export function describePick(pick: PickedImage): string {
  return pick.insteadOf
    ? `${pick.image} (fallback: ${pick.insteadOf} is not present and pulls are disabled)`
    : pick.image;
}

/** Several picked images in words: the list, then which of them stand in for absent images. */
export function describePicks(picks: readonly PickedImage[]): string {
  const list = picks.map((p) => p.image).join(', ');
  const absent = picks.flatMap((p) => (p.insteadOf ? [p.insteadOf] : []));
  if (absent.length === 0) return list;
  return `${list} (fallbacks: ${absent.join(', ')} ${absent.length === 1 ? 'is' : 'are'} not present and pulls are disabled)`;
}

export function describeRule(rule: ImageRule): string {
  const parts = [rule.image];
  if (rule.major !== undefined) parts.push(`major ${rule.major}`);
  if (rule.extensions?.length) parts.push(`extensions ${rule.extensions.join(', ')}`);
  if (rule.fallback) parts.push(`fallback ${rule.fallback}`);
  return parts.join(', ');
}
