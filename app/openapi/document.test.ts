import { buildOpenApiDocument } from './document';

type Node = Record<string, unknown>;

const refsIn = (value: unknown, into: string[] = []): string[] => {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, into));
  else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') into.push(v);
      else refsIn(v, into);
    }
  }
  return into;
};

const resolve = (doc: Node, ref: string): unknown =>
  ref.replace(/^#\//, '').split('/').reduce<unknown>((node, part) => (node as Node | undefined)?.[part], doc);

describe('OpenAPI document', () => {
  const doc = JSON.parse(JSON.stringify(buildOpenApiDocument())) as Node;
  const paths = doc.paths as Record<string, Record<string, Node>>;

  it('resolves every $ref', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect([ref, resolve(doc, ref)]).toEqual([ref, expect.anything()]);
  });

  it('requires the Idempotency-Key on every mutating route but log-in, and bearer auth on account routes', () => {
    for (const [path, operations] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const params = refsIn(operation.parameters ?? []);
        const mutating = method !== 'get' && path !== '/v1/sessions';
        expect([method, path, params.includes('#/components/parameters/IdempotencyKey')]).toEqual([method, path, mutating]);
        if (path.startsWith('/v1/orders') || path.startsWith('/v1/transfers')) expect(operation.security).toEqual([{ bearer: [] }]);
      }
    }
  });

  it('promises a commit position on every command response of orders and transfers', () => {
    const schemas = (doc.components as Node).schemas as Record<string, { required: string[] }>;
    for (const name of ['OrderAccepted', 'OrderReplacing', 'OrderCancelling', 'Transfer']) expect(schemas[name]!.required).toContain('position');
  });
});
