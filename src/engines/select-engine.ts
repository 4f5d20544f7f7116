import { EngineError } from '../errors.js';
import type { Engine, EngineKind, ProbeResult } from './engine.js';

export type EnginePreference = 'auto' | EngineKind;

export interface SelectEngineResult {
  engine: Engine;
  /** Every probe made, in order, the chosen engine's last: why it was chosen and why the others were not. */
  reasons: ProbeResult[];
}

/**
 * The selection chain: candidates probe in the order given; `auto` takes the first usable one, an explicit
 * kind must itself be usable. When none is, the error lists every probe's reason.
 */
export async function selectEngine(
  preference: EnginePreference,
  engines: readonly Engine[],
): Promise<SelectEngineResult> {
  const candidates = preference === 'auto' ? engines : engines.filter((e) => e.kind === preference);
  const reasons: ProbeResult[] = [];
  for (const engine of candidates) {
    const result = await probeSafely(engine);
    reasons.push(result);
    if (result.usable) return { engine, reasons };
  }
  throw noEngineError(preference, engines, reasons);
}

// A probe that throws is a probe that says "not usable", with the error as its reason.
async function probeSafely(engine: Engine): Promise<ProbeResult> {
  try {
    return await engine.probe();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { kind: engine.kind, usable: false, reason: `probe failed: ${why}`, majors: [] };
  }
}

function noEngineError(preference: EnginePreference, engines: readonly Engine[], reasons: ProbeResult[]): EngineError {
  const tried = reasons.map((r) => r.kind).join(', ');
  const message =
    reasons.length === 0
      ? `no ${preference} engine is available (this build offers: ${engines.map((e) => e.kind).join(', ') || 'none'})`
      : `no usable engine for --engine ${preference}: tried ${tried}, none is usable`;
  return new EngineError('NO_ENGINE', message, {
    details: reasons.map((r) => `${r.kind}: ${r.reason}`),
    hint:
      preference === 'auto'
        ? 'fix one of the reasons above (install postgresql-15 for the local engine, or start a Docker engine); pgdrill doctor shows them all'
        : `fix the reason above, or run with --engine auto to let pgdrill choose; pgdrill doctor shows every engine`,
  });
}
