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

  // Session routes carry credentials and hand out single-use tokens: a stored answer would be a stored token,
  // and each is safe to repeat (log-in, log-out) or refuses a repeat by itself (a spent refresh token, a changed password).
  // The two-factor routes hand out a secret or recovery codes (shown once, never stored) and refuse a repeat by themselves
  // (a spent code, 2FA already on or off); a repeated enrolment start replaces the pending secret.
  const SESSION_ROUTES = new Set([
    '/v1/sessions', '/v1/sessions/refresh', '/v1/sessions/current', '/v1/account/password',
    '/v1/account/2fa/enrolment', '/v1/account/2fa/confirmation', '/v1/account/2fa/disable',
  ]);

  it('requires the Idempotency-Key on every mutating route but the session routes, and bearer auth on account routes', () => {
    for (const [path, operations] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const params = refsIn(operation.parameters ?? []);
        const mutating = method !== 'get' && !SESSION_ROUTES.has(path);
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
