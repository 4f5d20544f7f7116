/** Everything that reaches HTML is text: restored data and error messages included. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * Text for Markdown (a table cell or a line): one line, no pipe that ends the cell, and no emphasis,
 * code, link or HTML syntax that a renderer (GitHub's included) would act on.
 */
export function escapeMarkdown(value: unknown): string {
  return String(value ?? '')
    .replace(/\r?\n/g, ' ')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`);
}
