import { Transform } from 'node:stream';
import { SourceError } from '../../errors.js';
import { createTarEndWatch } from '../../util/tar-end.js';
import type { DumpFormat } from './sniff-format.js';

const TAIL_BYTES = 512;
// pg_dump's last line (pg_dumpall says "cluster dump complete"); newer minors follow it with \unrestrict.
const PLAIN_TRAILER = /-- PostgreSQL database (cluster )?dump complete\n--\n(\s*\\unrestrict \S+)?\s*$/;

export interface DumpEndWatch {
  /** Pass-through stage at the end of the decoded stream. */
  transform: Transform;
  /** Throws DUMP_TRUNCATED unless the decoded stream ended where `format` says an archive ends. */
  require(format: DumpFormat, facts: { what: string; storedBytes: number }): void;
}

/**
 * Watches the decoded archive as pg_restore or psql reads it: the last bytes (a plain dump's completion
 * trailer) and the tar headers (a tar archive ends with two zero blocks at a header position). Custom
 * archives need no watch: pg_restore fails on every missing data block.
 */
export function createDumpEndWatch(
  options: { format?: DumpFormat; what?: string; storedBytes?: () => number } = {},
): DumpEndWatch {
  let tail = Buffer.alloc(0);
  let decoded = 0;
  const tar = createTarEndWatch();
  const transform = new Transform({
    transform(chunk: Buffer, _e, done) {
      decoded += chunk.length;
      tail = Buffer.concat([tail, chunk]);
      if (tail.length > TAIL_BYTES * 2) tail = tail.subarray(tail.length - TAIL_BYTES);
      tar.feed(chunk);
      done(null, chunk);
    },
    // When the format is known, a stream that ends short fails at once: pg_restore can spin forever on a cut tar.
    flush(done) {
      if (options.format === undefined) return done();
      try {
        check(options.format, { what: options.what ?? 'the archive', storedBytes: options.storedBytes?.() ?? decoded });
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
  const check: DumpEndWatch['require'] = (format, { what, storedBytes }) => {
    if (format === 'plain' && !PLAIN_TRAILER.test(tail.toString('utf8')))
      throw truncated(
        what,
        storedBytes,
        `its SQL stops after ${decoded} bytes without pg_dump's closing line "-- PostgreSQL database dump complete"`,
      );
    if (format === 'tar' && !tar.ended())
      throw truncated(
        what,
        storedBytes,
        `its tar stream stops after ${decoded} bytes without the two zero blocks that end a tar archive`,
      );
  };
  return { transform, require: check };
}

function truncated(what: string, storedBytes: number, why: string): SourceError {
  return new SourceError(
    'DUMP_TRUNCATED',
    `${what} was read whole (${storedBytes} bytes) but the dump stops before its end: ${why}`,
    {
      hint: 'the backup was cut when it was written or uploaded (a full disk, a killed pg_dump, an interrupted copy); take a new backup and check the job that writes it',
    },
  );
}
