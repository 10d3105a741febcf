import { startTradingHarness, type TradingHarness } from './support/trading-harness';

let h: TradingHarness;
beforeAll(async () => { h = await startTradingHarness('edge_headers', { corsOrigins: ['https://app.example.com'] }); });
afterAll(async () => { await h.close(); });

it('sends helmet\'s API-fit security headers on every answer, errors included', async () => {
  for (const reply of [await h.request('GET', '/v1/assets/AAPL'), await h.request('GET', '/v1/orders/x')]) {
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    expect(reply.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(reply.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(reply.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(reply.headers.get('referrer-policy')).toBe('no-referrer');
    expect(reply.headers.get('x-powered-by')).toBeNull();
  }
});

it('allows CORS only from configured origins', async () => {
  const preflight = (origin: string) => fetch(`${h.baseUrl}/v1/orders`, {
    method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,idempotency-key' },
  });
  const allowed = await preflight('https://app.example.com');
  expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  expect(allowed.headers.get('access-control-allow-headers')).toContain('Idempotency-Key');
  const other = await preflight('https://evil.example.net');
  expect(other.headers.get('access-control-allow-origin')).toBeNull();
  const simple = await h.request('GET', '/v1/assets/AAPL', { headers: { Origin: 'https://evil.example.net' } });
  expect(simple.headers.get('access-control-allow-origin')).toBeNull();
});
