import { formatDuration } from '../../util/duration.js';
import type { TimelinePhase } from '../report-schema.js';
import { escapeHtml } from './escape.js';
import { formatTook } from './evidence-text.js';

const WIDTH = 720;
const LABEL = 220;
const ROW = 22;
const COLOURS: Record<TimelinePhase['status'], string> = {
  passed: '#2e7d32',
  failed: '#c62828',
  error: '#ef6c00',
  skipped: '#9e9e9e',
};

/**
 * The drill's phases as an inline SVG Gantt bar per phase (no script, no external asset: it prints and
 * opens offline). Bars too short to see still get a sliver, so a 2 ms check is not invisible.
 */
export function timelineSvg(phases: TimelinePhase[], title: string): string {
  const end = Math.max(0.001, ...phases.map((p) => p.startSeconds + p.durationSeconds));
  const scale = (WIDTH - LABEL - 70) / end;
  const height = phases.length * ROW + 24;
  const rows = phases.map((p, i) => {
    const y = i * ROW + 4;
    const x = LABEL + p.startSeconds * scale;
    const w = Math.max(2, p.durationSeconds * scale);
    const label = p.name.length > 34 ? `${p.name.slice(0, 33)}…` : p.name;
    return [
      `<g class="phase phase-${p.status}">`,
      `<title>${escapeHtml(`${p.name}: ${p.status}, ${formatDuration(p.durationSeconds)} from ${formatDuration(p.startSeconds)}`)}</title>`,
      `<text x="0" y="${y + 14}" font-size="12">${escapeHtml(label)}</text>`,
      `<rect x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="14" rx="2" fill="${COLOURS[p.status]}"/>`,
      `<text x="${(x + w + 4).toFixed(1)}" y="${y + 14}" font-size="11" fill="#555">${escapeHtml(formatTook(p.durationSeconds))}</text>`,
      '</g>',
    ].join('');
  });
  const axisY = phases.length * ROW + 8;
  const axis = `<line x1="${LABEL}" y1="${axisY}" x2="${WIDTH - 70}" y2="${axisY}" stroke="#999"/><text x="${LABEL}" y="${axisY + 14}" font-size="11" fill="#555">0</text><text x="${WIDTH - 70}" y="${axisY + 14}" font-size="11" fill="#555" text-anchor="end">${escapeHtml(formatDuration(end))}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" font-family="sans-serif">${rows.join('')}${axis}</svg>`;
}
