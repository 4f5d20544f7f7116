import { lastSuccessKey, type LastSuccess } from '../report/metrics-registry.js';
import type { HistoryRun } from './history-record.js';

/** When each drill last passed (Unix seconds), from stored runs. */
export function lastSuccessFromHistory(runs: HistoryRun[]): LastSuccess {
  const found: LastSuccess = new Map();
  for (const run of runs)
    for (const drill of run.drills) {
      if (drill.status !== 'passed') continue;
      const key = lastSuccessKey(run.suite, drill.name);
      const at = Date.parse(drill.finishedAt) / 1000;
      if (Number.isFinite(at) && at > (found.get(key) ?? -Infinity)) found.set(key, at);
    }
  return found;
}
