import type * as t from 'io-ts';

/**
 * io-ts reports a failure as the chain of types it walked. Union and intersection
 * members add their branch index to that chain; those are not fields, so they are
 * dropped and what remains is the JSON path a client sent.
 */
const BRANCHING_TAGS: ReadonlySet<string> = new Set(['UnionType', 'IntersectionType']);

export const fieldPathOf = (error: t.ValidationError): string => {
  const parts: string[] = [];
  const context = error.context;
  for (let i = 1; i < context.length; i += 1) {
    const parentTag = (context[i - 1]?.type as { _tag?: string } | undefined)?._tag;
    const key = context[i]?.key ?? '';
    if (key === '' || (parentTag !== undefined && BRANCHING_TAGS.has(parentTag))) continue;
    parts.push(/^\d+$/.test(key) ? `[${key}]` : parts.length === 0 ? key : `.${key}`);
  }
  return parts.join('');
};

const describeActual = (value: unknown): string =>
  value === undefined ? 'missing' : value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;

/** One line per failure, the custom message when the codec gave one. */
export const messageOf = (error: t.ValidationError, rename: (path: string) => string = (p) => p): string => {
  const path = rename(fieldPathOf(error)) || 'body';
  if (error.message) return `${path}: ${error.message}`;
  const expected = error.context[error.context.length - 1]?.type.name ?? 'a valid value';
  return `${path}: expected ${expected}, got ${describeActual(error.value)}`;
};

export const formatValidationErrors = (errors: t.Errors, names: Readonly<Record<string, string>> = {}): string => {
  const seen = new Set<string>();
  for (const error of errors) seen.add(messageOf(error, (p) => names[p] ?? p));
  return [...seen].join('; ');
};
