import type { ResolvedDrill } from './resolved-suite.js';
import { describeTarget } from '../recovery/recovery-target.js';

/** What a drill restores, in one line: `latest under daily/ (decrypt aes-256-cbc) from store prod`. */
export function describeSource(drill: ResolvedDrill): string {
  const source = drill.source;
  if (source.kind === 'pgdump') {
    const archives = source.archives
      .map((a) => {
        const what = a.key ?? `${a.pick} under "${a.prefix ?? ''}"${a.pattern ? ` matching /${a.pattern}/` : ''}`;
        const extras = [
          a.format !== 'auto' ? a.format : '',
          a.decrypt ? `decrypt ${a.decrypt.openssl}` : '',
          a.dataOnly ? 'data only' : '',
          a.schemaOnly ? 'schema only' : '',
        ].filter(Boolean);
        return extras.length ? `${what} (${extras.join(', ')})` : what;
      })
      .join(', then ');
    const only = source.options.only
      ? ` · only ${[...(source.options.only.schemas ?? []), ...(source.options.only.tables ?? [])].join(', ')}`
      : '';
    return `pg_dump ${archives} from store ${source.store}${only}`;
  }
  const to = ` · recovery to ${describeTarget(drill.target)}`;
  if (source.kind === 'pgbackrest')
    return `pgBackRest stanza ${source.options.stanza} set ${source.options.set} from store ${source.store}${to}`;
  if (source.kind === 'barmanCloud')
    return `barman-cloud server ${source.options.server} backup ${source.options.backup} from store ${source.store}${to}`;
  const which = source.options.key ?? `${source.options.pick} under "${source.options.prefix ?? ''}"`;
  return `base backup ${which} from store ${source.store}, WAL from ${source.walStore}:${source.options.wal.prefix}${to}`;
}

/** One line per drill for `pgdrill list`: what it would restore and check. */
export function describeDrill(drill: ResolvedDrill): string {
  const checks = drill.checks.map((c) => c.type).join(', ') || 'none';
  return `${drill.name}: ${describeSource(drill)} · ${drill.checks.length} check${drill.checks.length === 1 ? '' : 's'} (${checks})`;
}
