/**
 * How deep a request body may nest. Our bodies are flat objects; 32 leaves room for any future shape,
 * and keeps every recursive walk of a body (fingerprint, validation) far from the stack's end.
 */
export const JSON_DEPTH_MAX = 32;

export type JsonShapeProblem = { readonly code: 'JSON_TOO_DEEP' | 'JSON_DUPLICATE_KEY'; readonly message: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

type Frame = { readonly keys: Set<string> | null; expectingKey: boolean };

/**
 * One pass over the raw body, with an explicit stack (no recursion, so no nesting can overflow it):
 * refuses nesting deeper than `depthMax` and an object naming a key twice. JSON.parse keeps the last of
 * two equal keys silently; a body that says two things must not have one of them picked for it.
 * Whether the text is valid JSON is left to JSON.parse, which runs next.
 */
export const jsonShapeProblem = (text: string, depthMax: number = JSON_DEPTH_MAX): JsonShapeProblem | undefined => {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      for (i += 1; i < text.length && text.charCodeAt(i) !== QUOTE; i += 1) if (text.charCodeAt(i) === BACKSLASH) i += 1;
      const frame = stack[stack.length - 1];
      if (frame?.keys != null && frame.expectingKey) {
        let key: string;
        try {
          key = JSON.parse(text.slice(start, i + 1)) as string;
        } catch {
          return undefined; // not JSON at all: JSON.parse will say so
        }
        if (frame.keys.has(key)) return { code: 'JSON_DUPLICATE_KEY', message: `body: the key ${JSON.stringify(key)} appears twice in one object` };
        frame.keys.add(key);
        frame.expectingKey = false;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= depthMax) return { code: 'JSON_TOO_DEEP', message: `body: nested deeper than ${depthMax} levels` };
      stack.push({ keys: c === 0x7b ? new Set() : null, expectingKey: c === 0x7b });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const frame = stack[stack.length - 1];
      if (frame?.keys != null) frame.expectingKey = true;
    }
  }
  return undefined;
};
