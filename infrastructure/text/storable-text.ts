/**
 * Text PostgreSQL cannot store in `jsonb` (or `text`): NUL, refused with 22P05, and a UTF-16 surrogate
 * without its partner, refused with 22P02 (it has no UTF-8 form). One such string in a group-committed
 * batch fails the statement, so the HTTP edge refuses it (400) and the in-memory store refuses it as
 * PostgreSQL would. A well-formed pair (an emoji) is fine.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Nesting followed before the walk gives up; the HTTP edge bounds JSON depth far below this. */
export const STORABLE_TEXT_DEPTH_MAX = 256;

export const isStorableText = (text: string): boolean => !UNSTORABLE_TEXT.test(text);

const joinPath = (path: string, key: string | number): string =>
  typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;

/**
 * The JSON path of the first string (value or object key) PostgreSQL would refuse, '' for the value
 * itself, or undefined when every string is storable. Beyond STORABLE_TEXT_DEPTH_MAX the value is
 * reported as unstorable: nothing we store nests that deep.
 */
export const findUnstorableText = (value: unknown, path = '', depth = 0): string | undefined => {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path;
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth >= STORABLE_TEXT_DEPTH_MAX) return path;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnstorableText(item, joinPath(path, index), depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    if (!isStorableText(key)) return joinPath(path, key);
    const found = findUnstorableText(item, joinPath(path, key), depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
};
