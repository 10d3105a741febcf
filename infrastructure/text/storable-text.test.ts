import { findUnstorableText, isStorableText } from './storable-text';

describe('storable text', () => {
  it.each([
    ['plain', 'Ann', true],
    ['an emoji (a surrogate pair)', 'Ann 🙂', true],
    ['NUL', 'Ann\u0000', false],
    ['a lone high surrogate at the end', 'Lee\ud800', false],
    ['a lone high surrogate before a letter', '\ud800x', false],
    ['a lone low surrogate', 'x\udc00', false],
    ['two high surrogates', '\ud800\ud800\udc00', false],
    ['reversed pair', '\udc00\ud800', false],
  ])('%s is storable: %s', (_label, text, storable) => {
    expect(isStorableText(text)).toBe(storable);
  });

  it('names the first unstorable string by its JSON path, keys included', () => {
    expect(findUnstorableText({ a: 'ok', b: [{ c: 'ok' }, { c: 'x\u0000' }] })).toBe('b[1].c');
    expect(findUnstorableText({ ['k\ud800']: 1 })).toBe('k\ud800');
    expect(findUnstorableText('\udc00')).toBe('');
    expect(findUnstorableText({ a: ['fine', 1, null, true] })).toBeUndefined();
  });
});
