import { ConfigError, type ResolvedDrill, type ResolvedSuite } from './light-api.js';

export interface DrillSelection {
  /** `--drill` (and its older name `--only`): drills with any of these names. */
  names?: string[];
  /** `--tag`: drills carrying any of these tags. */
  tags?: string[];
}

/**
 * The drills `run --drill/--tag` selects: a name given must exist, a tag given must be on some drill, and
 * with both, a drill must match a name and a tag. Nothing selected is a usage error naming what exists.
 * Suites keep their place (the shard rule counts drills in suite order) with only their selected drills.
 */
export function selectDrills(suites: ResolvedSuite[], selection: DrillSelection): ResolvedSuite[] {
  const names = [...new Set(selection.names ?? [])];
  const tags = [...new Set(selection.tags ?? [])];
  if (names.length === 0 && tags.length === 0) return suites;
  const all = suites.flatMap((s) => s.drills);
  const where = suites.map((s) => s.file).join(', ');
  const unknownNames = names.filter((n) => !all.some((d) => d.name === n));
  if (unknownNames.length > 0)
    throw new ConfigError('NO_DRILL_SELECTED', `no drill named ${list(unknownNames)} in ${where}`, {
      hint: `drills: ${list(all.map((d) => d.name))}`,
    });
  const existingTags = [...new Set(all.flatMap((d) => d.tags))].sort();
  const unknownTags = tags.filter((t) => !existingTags.includes(t));
  if (unknownTags.length > 0)
    throw new ConfigError('NO_DRILL_SELECTED', `no drill tagged ${list(unknownTags)} in ${where}`, {
      hint: existingTags.length
        ? `tags: ${list(existingTags)} (drills: ${describeTags(all)})`
        : 'no drill of these suites has tags: add `tags: [...]` to a drill, or select with --drill',
    });
  const matches = (d: ResolvedDrill) =>
    (names.length === 0 || names.includes(d.name)) && (tags.length === 0 || d.tags.some((t) => tags.includes(t)));
  const selected = suites.map((s) => ({ ...s, drills: s.drills.filter(matches) }));
  if (selected.every((s) => s.drills.length === 0))
    throw new ConfigError('NO_DRILL_SELECTED', `no drill named ${list(names)} is tagged ${list(tags)} in ${where}`, {
      hint: `drills and their tags: ${describeTags(all.filter((d) => names.includes(d.name)))}`,
    });
  return selected;
}

const list = (items: string[]) => items.join(', ');

function describeTags(drills: ResolvedDrill[]): string {
  return drills.map((d) => `${d.name} [${d.tags.join(', ')}]`).join(', ');
}
