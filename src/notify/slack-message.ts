import { formatDuration } from '../util/duration.js';
import type { NotificationDrill, NotificationPayload } from './notification-payload.js';

const MARK = { passed: '✅', failed: '❌', error: '⚠️' } as const;
// Slack refuses a section over 3000 characters and a message over 50 blocks.
const MAX_SECTION = 2900;
const MAX_DRILLS = 40;
const MAX_CHECKS = 5;

export interface SlackMessage {
  text: string;
  blocks: object[];
}

/** A Slack incoming-webhook message: `text` for notifications and clients without blocks, `blocks` for the rest. */
export function buildSlackMessage(payload: NotificationPayload): SlackMessage {
  const { totals } = payload;
  const text = `${MARK[payload.verdict]} pgdrill ${payload.suite}: ${payload.verdict} (exit ${payload.exitCode}) — ${totals.passed} of ${totals.drills} drills passed`;
  const blocks: object[] = [{ type: 'section', text: mrkdwn(`*${escape(text)}*`) }];
  for (const drill of payload.drills.slice(0, MAX_DRILLS))
    blocks.push({ type: 'section', text: mrkdwn(clip(drillText(drill, payload))) });
  if (payload.drills.length > MAX_DRILLS)
    blocks.push({ type: 'section', text: mrkdwn(`… and ${payload.drills.length - MAX_DRILLS} more drills`) });
  const context = [`host ${escape(payload.host)}`, `finished ${payload.finishedAt}`];
  if (payload.reportUrl) context.push(`<${payload.reportUrl.replace(/[<>|]/g, encodeURIComponent)}|report>`);
  blocks.push({ type: 'context', elements: [mrkdwn(context.join(' · '))] });
  return { text, blocks };
}

function drillText(drill: NotificationDrill, payload: NotificationPayload): string {
  const facts: string[] = [];
  if (drill.restoreSeconds !== undefined)
    facts.push(`RTO ${formatDuration(drill.restoreSeconds)}${objective(payload.objectives.rtoSeconds)}`);
  if (drill.rpoSeconds !== undefined)
    facts.push(`RPO ${formatDuration(drill.rpoSeconds)}${objective(payload.objectives.rpoSeconds)}`);
  if (drill.backupAgeSeconds !== undefined) facts.push(`backup age ${formatDuration(drill.backupAgeSeconds)}`);
  const lines = [
    `${MARK[drill.status]} *${escape(drill.name)}*: ${drill.status}${facts.length ? ` · ${facts.join(' · ')}` : ''}`,
  ];
  if (drill.error) lines.push(`> \`${escape(drill.error.code)}\` ${escape(drill.error.message)}`);
  for (const check of drill.failedChecks.slice(0, MAX_CHECKS)) {
    const ea =
      check.expected !== undefined || check.actual !== undefined
        ? ` (expected ${escape(check.expected ?? '?')}, actual ${escape(check.actual ?? '?')})`
        : '';
    lines.push(`• ${escape(check.name)}: ${escape(check.message)}${ea}`);
  }
  if (drill.failedChecks.length > MAX_CHECKS)
    lines.push(`• … and ${drill.failedChecks.length - MAX_CHECKS} more failed checks`);
  return lines.join('\n');
}

const objective = (seconds: number | undefined) =>
  seconds === undefined ? '' : ` (objective ${formatDuration(seconds)})`;
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const clip = (text: string) => (text.length > MAX_SECTION ? `${text.slice(0, MAX_SECTION)}…` : text);

/** Slack's mrkdwn needs only these three escaped. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
