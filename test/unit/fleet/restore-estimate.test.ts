import { describe, expect, it } from 'vitest';
import {
  estimateLogicalRestore,
  estimatePhysicalRestore,
  MAX_WAL_BYTES,
  SERVER_BYTES,
} from '../../../src/fleet/restore-estimate.js';

const MiB = 2 ** 20;

describe('estimateLogicalRestore', () => {
  it('compressed archives (custom, gzip, zstd, encrypted) × 5, plus the server for the first archive', () => {
    for (const key of ['d/shop.dump', 'd/shop.sql.gz', 'd/shop.tar.zst', 'd/shop.dump.gz.enc']) {
      expect(estimateLogicalRestore({ key, size: 10 * MiB, first: true }).bytes).toBe(50 * MiB + SERVER_BYTES);
    }
    expect(
      estimateLogicalRestore({ key: 'x', size: 10 * MiB, format: 'plain', encrypted: true, first: false }).bytes,
    ).toBe(50 * MiB);
  });

  it('uncompressed SQL or tar × 2; only the first archive pays for the server', () => {
    expect(estimateLogicalRestore({ key: 'd/shop.sql', size: 10 * MiB, first: false })).toEqual({
      bytes: 20 * MiB,
      basis: '10.0 MiB uncompressed archive × 2',
    });
    expect(
      estimateLogicalRestore({ key: 'd/shop', size: 10 * MiB, format: 'tar', compression: 'none', first: true }).basis,
    ).toBe('10.0 MiB uncompressed archive × 2 + 64.0 MiB for the server');
  });
});

describe('estimatePhysicalRestore', () => {
  it('uses the database size when the backup records it, plus WAL and the server', () => {
    expect(estimatePhysicalRestore({ size: 100, databaseSize: 1000 * MiB, compressed: true, walSegments: 3 })).toEqual({
      bytes: 1000 * MiB + 48 * MiB + SERVER_BYTES,
      basis: '1000.0 MiB database + 48.0 MiB WAL (3 segments, at most 1.0 GiB held at once) + 64.0 MiB for the server',
    });
  });

  it('expands a compressed stored size, caps WAL at what pg_wal holds, and gives up without a size', () => {
    expect(estimatePhysicalRestore({ size: 100 * MiB, compressed: true, walSegments: 10_000 })!.bytes).toBe(
      300 * MiB + MAX_WAL_BYTES + SERVER_BYTES,
    );
    expect(estimatePhysicalRestore({ size: 100 * MiB, compressed: false, walSegments: 0 })!.bytes).toBe(
      100 * MiB + SERVER_BYTES,
    );
    expect(estimatePhysicalRestore({ compressed: true, walSegments: 5 })).toBeUndefined();
  });
});
