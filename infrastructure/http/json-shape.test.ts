import { JSON_DEPTH_MAX, jsonShapeProblem } from './json-shape';

describe('jsonShapeProblem', () => {
  it('passes flat and moderately nested bodies, keys that only look alike, and strings full of brackets', () => {
    expect(jsonShapeProblem('{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}')).toBeUndefined();
    expect(jsonShapeProblem('{"a":"{[{[\\"a\\":1,","A":2}')).toBeUndefined();
    expect(jsonShapeProblem(`${'['.repeat(JSON_DEPTH_MAX)}${']'.repeat(JSON_DEPTH_MAX)}`)).toBeUndefined();
  });

  it('refuses nesting one level too deep, and 30,000 levels without overflowing the stack', () => {
    expect(jsonShapeProblem(`${'['.repeat(JSON_DEPTH_MAX + 1)}${']'.repeat(JSON_DEPTH_MAX + 1)}`)?.code).toBe('JSON_TOO_DEEP');
    expect(jsonShapeProblem(`${'{"a":'.repeat(30_000)}1${'}'.repeat(30_000)}`)?.code).toBe('JSON_TOO_DEEP');
  });

  it('refuses a key named twice in one object, also when one spelling is escaped', () => {
    expect(jsonShapeProblem('{"amount":"1.00","amount":"2.00"}')).toEqual({ code: 'JSON_DUPLICATE_KEY', message: expect.stringContaining('"amount"') });
    expect(jsonShapeProblem('{"amount":"1.00","\\u0061mount":"2.00"}')?.code).toBe('JSON_DUPLICATE_KEY');
    expect(jsonShapeProblem('{"o":{"k":1,"k":2}}')?.code).toBe('JSON_DUPLICATE_KEY');
  });
});
