import type { CheckResult, DrillResult, RunResult, Status } from './results.js';

/**
 * Everything the library reports while it works. The library never prints: the CLI renders these,
 * with one formatter per `type` (a new event without a formatter does not compile there).
 */
export type DrillEvent =
  | { type: 'run:start'; suite: string; drills: string[]; engine: string; engineReason: string }
  | { type: 'drill:start'; drill: string }
  | { type: 'step:start'; drill: string; step: string; detail?: string }
  | {
      type: 'step:progress';
      drill: string;
      step: string;
      bytes?: number;
      totalBytes?: number;
      items?: number;
      totalItems?: number;
    }
  | { type: 'step:end'; drill: string; step: string; status: Status; durationMs: number; message?: string }
  | { type: 'check:end'; drill: string; check: CheckResult }
  | { type: 'warning'; drill?: string; message: string }
  | { type: 'note'; message: string }
  | { type: 'drill:end'; result: DrillResult }
  | { type: 'run:end'; result: RunResult };

export type DrillEventType = DrillEvent['type'];
export type EmitEvent = (event: DrillEvent) => void;

export const ignoreEvents: EmitEvent = () => {};
