/** Numeric expectations shared by checks that compare one measured number (`rows`, `sql`). */
export interface Bounds {
  min?: number | undefined;
  max?: number | undefined;
  exact?: number | undefined;
}

export function hasBounds(bounds: Bounds): boolean {
  return bounds.min !== undefined || bounds.max !== undefined || bounds.exact !== undefined;
}

export function isWithinBounds(value: number, { min, max, exact }: Bounds): boolean {
  if (exact !== undefined && value !== exact) return false;
  if (min !== undefined && value < min) return false;
  if (max !== undefined && value > max) return false;
  return true;
}

/** Words for messages: `at least 1000`, `between 10 and 20`, `exactly 5`. */
export function describeBounds({ min, max, exact }: Bounds): string {
  if (exact !== undefined) return `exactly ${exact}`;
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}`;
  if (min !== undefined) return `at least ${min}`;
  if (max !== undefined) return `at most ${max}`;
  return 'any value';
}

/** Symbols for labels and the `expected` field: `>= 1000`, `<= 20`, `= 5`, `>= 10 and <= 20`. */
export function formatBounds({ min, max, exact }: Bounds): string {
  if (exact !== undefined) return `= ${exact}`;
  const parts = [min === undefined ? '' : `>= ${min}`, max === undefined ? '' : `<= ${max}`].filter(Boolean);
  return parts.length > 0 ? parts.join(' and ') : 'any';
}
