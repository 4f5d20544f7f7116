import type { RecoveryOutcome, RestoredServer } from '../engine.js';
import { StartedLocalServer, type StartedLocalServerInit } from './started-local-server.js';

export interface RestoredServerTimings {
  /** The spec's restore() callback filling the data dir. */
  restoreMs: number;
  /** PG_VERSION, ownership, signal files, pg_controldata. */
  prepareMs: number;
  /** From pg_ctl start until recovery ended (promoted, died or timed out). */
  recoveryMs: number;
  /** The drill role, the final pg_hba.conf, the first query over TCP (0 when recovery did not end in promotion). */
  openMs: number;
  /** From startRestored() being called to the end of all of the above. */
  totalMs: number;
}

/** A local server on a restored data dir; when recovery did not end in promotion it is stopped already and only holds files. */
export class RestoredLocalServer extends StartedLocalServer<RestoredServerTimings> implements RestoredServer {
  readonly recovery: RecoveryOutcome;

  constructor(init: StartedLocalServerInit<RestoredServerTimings> & { recovery: RecoveryOutcome }) {
    super(init);
    this.recovery = init.recovery;
  }
}
