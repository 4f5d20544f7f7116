/**
 * Every sequence (`s`, schema `sn`, `ps` its pg_sequence row) with the column that owns it, if any
 * (`t`/`tn`/`a`): serial columns depend on their sequence with deptype 'a', identity columns with 'i'.
 */
export const OWNED_SEQUENCES_FROM = `from pg_class s
join pg_namespace sn on sn.oid = s.relnamespace
join pg_sequence ps on ps.seqrelid = s.oid
left join pg_depend d on d.classid = 'pg_class'::regclass and d.objid = s.oid
  and d.refclassid = 'pg_class'::regclass and d.refobjsubid > 0 and d.deptype in ('a', 'i')
left join pg_class t on t.oid = d.refobjid
left join pg_namespace tn on tn.oid = t.relnamespace
left join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid`;
