import type { DrillResult, Status } from '../results.js';
import type { TimelinePhase } from './report-schema.js';

/**
 * The drill's phases laid end to end from its start, from the measured timings: fetch, server start,
 * restore (or restore files + WAL replay for physical backups), then each check. A phase that was
 * running when the restore step failed carries that step's status.
 */
export function drillTimeline(drill: DrillResult): TimelinePhase[] {
  const phases: TimelinePhase[] = [];
  let at = 0;
  const add = (name: string, kind: TimelinePhase['kind'], seconds: number, status: Status = 'passed') => {
    phases.push({ name, kind, status, startSeconds: round(at), durationSeconds: round(seconds) });
    at += Math.max(0, seconds);
  };
  const t = drill.timings ?? {};
  const restore = drill.steps.find((s) => s.name === 'restore');
  if (t.fetchSeconds !== undefined) add('fetch backup', 'fetch', t.fetchSeconds);
  if (t.engineSeconds !== undefined && t.replaySeconds !== undefined) {
    add('restore files, start server', 'engine', Math.max(0, t.engineSeconds - t.replaySeconds));
    add('replay WAL', 'replay', t.replaySeconds);
  } else if (t.engineSeconds !== undefined) add('start server', 'engine', t.engineSeconds);
  if (t.restoreSeconds !== undefined) add('restore data', 'restore', t.restoreSeconds);
  if (restore && restore.status !== 'passed') {
    if (phases.length > 0) phases[phases.length - 1]!.status = restore.status;
    else add('restore', 'restore', restore.durationMs / 1000, restore.status);
  }
  // Checks start when the restore step ended (the measured phases leave small gaps between them).
  at = Math.max(at, (restore?.durationMs ?? 0) / 1000);
  for (const step of drill.steps.filter((s) => s.name !== 'restore'))
    add(step.name, 'step', step.durationMs / 1000, step.status);
  for (const check of drill.checks) add(check.name, 'check', check.durationMs / 1000, check.status);
  return phases;
}

function round(seconds: number): number {
  return Math.round(Math.max(0, seconds) * 1000) / 1000;
}
