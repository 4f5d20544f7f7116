import { EngineError } from '../../errors.js';

/** One image rule of the suite's `engine.docker.images`; `{major}` in `image` is replaced by the server major. */
export interface ImageRule {
  image: string;
  /** Only for this major (a rule without one serves any major through `{major}`). */
  major?: number;
  /** Extensions this image provides beyond core PostgreSQL and contrib; it is chosen when the restore needs one. */
  extensions?: string[];
}

/** The official images, last in the chain: overridable per machine through PGDRILL_POSTGRES_IMAGE / PGDRILL_TIMESCALEDB_IMAGE. */
export function defaultImageRules(env: Record<string, string | undefined> = process.env): ImageRule[] {
  return [
    { image: env.PGDRILL_TIMESCALEDB_IMAGE || 'timescale/timescaledb:latest-pg{major}', extensions: ['timescaledb'] },
    { image: env.PGDRILL_POSTGRES_IMAGE || 'postgres:{major}' },
  ];
}

/** Majors the official postgres images exist for, newest first: what a pulling engine can start. */
export const PULLABLE_MAJORS: readonly number[] = [18, 17, 16, 15, 14, 13];

export interface ImageChoice {
  image: string;
  /** Why this image: the rule that matched, for messages. */
  rule: string;
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
    throw new EngineError('DOCKER_NO_IMAGE_RULE', `no image rule serves PostgreSQL ${major}${wanted.length ? ` with ${wanted.join(', ')}` : ''}`, {
      details: rules.map((r) => `rule: ${describeRule(r)}`),
      hint: `add an entry to engine.docker.images, e.g. { image: "postgres:${major}"${wanted.length ? `, extensions: [${wanted.join(', ')}]` : ''} }`,
    });
  }
  return { image: match.image.replaceAll('{major}', String(major)), rule: describeRule(match) };
}

export function describeRule(rule: ImageRule): string {
  const parts = [rule.image];
  if (rule.major !== undefined) parts.push(`major ${rule.major}`);
  if (rule.extensions?.length) parts.push(`extensions ${rule.extensions.join(', ')}`);
  return parts.join(', ');
}
