import { describe, expect, it } from 'vitest';
import {
  formatQualifiedName,
  isQualifiedName,
  parseQualifiedName,
  quoteIdent,
  quoteQualifiedName,
} from '../../../src/checks/relation-names.js';

describe('parseQualifiedName', () => {
  it.each([
    ['orders', { schema: 'public', name: 'orders' }],
    ['public.orders', { schema: 'public', name: 'orders' }],
    ['Billing.Orders', { schema: 'billing', name: 'orders' }],
    ['"Sales"."Order.Lines"', { schema: 'Sales', name: 'Order.Lines' }],
    ['"say ""hi"""', { schema: 'public', name: 'say "hi"' }],
    [' app.users ', { schema: 'app', name: 'users' }],
  ])('reads %j with SQL folding rules', (text, expected) => {
    expect(parseQualifiedName(text)).toEqual(expected);
  });

  it.each(['', 'a.b.c', 'a.', '.b', '"open', 'two words', 'a."b"c'])('rejects %j', (text) => {
    expect(isQualifiedName(text)).toBe(false);
    expect(() => parseQualifiedName(text)).toThrow(/is not a table name/);
  });
});

describe('quoting', () => {
  it('always quotes for SQL, escaping quotes', () => {
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteQualifiedName({ schema: 'public', name: 'x; drop table y' })).toBe('"public"."x; drop table y"');
  });

  it('quotes for display only where needed', () => {
    expect(formatQualifiedName({ schema: 'public', name: 'orders' })).toBe('public.orders');
    expect(formatQualifiedName({ schema: 'Sales', name: 'order lines' })).toBe('"Sales"."order lines"');
  });
});
