import { signAccessToken, verifyAccessToken } from './jwt';

const SECRET = 'jwt-test-secret-0123456789abcdef0123456789abcdef';

describe('verifyAccessToken with its cache of verified tokens', () => {
  afterEach(() => { jest.useRealTimers(); });

  it('refuses a token it verified before once the token expires', () => {
    jest.useFakeTimers({ now: Date.UTC(2026, 10, 29, 12, 0, 0, 500) });
    const token = signAccessToken({ accountId: 'acc-1', sessionId: 'ses-1' }, SECRET, 60);
    expect(verifyAccessToken(token, SECRET)).toMatchObject({ accountId: 'acc-1', sessionId: 'ses-1' });
    jest.setSystemTime(Date.UTC(2026, 10, 29, 12, 0, 59, 999));
    expect(verifyAccessToken(token, SECRET)).toMatchObject({ accountId: 'acc-1' });
    // jsonwebtoken's rule: expired from the second `exp` on, whatever the milliseconds.
    jest.setSystemTime(Date.UTC(2026, 10, 29, 12, 1, 0, 0));
    expect(verifyAccessToken(token, SECRET)).toBeUndefined();
  });

  it('does not accept a cached token under another secret', () => {
    const token = signAccessToken({ accountId: 'acc-2' }, SECRET, 60);
    expect(verifyAccessToken(token, SECRET)).toMatchObject({ accountId: 'acc-2' });
    expect(verifyAccessToken(token, `${SECRET}-other`)).toBeUndefined();
    expect(verifyAccessToken(token, SECRET)).toMatchObject({ accountId: 'acc-2' });
  });

  it('never caches a refusal: a tampered token stays refused, the genuine one stays accepted', () => {
    const token = signAccessToken({ accountId: 'acc-3' }, SECRET, 60);
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'acc-4', iss: 'brokerage', iat: 1, exp: 2 })).toString('base64url')}.${signature}`;
    expect(verifyAccessToken(forged, SECRET)).toBeUndefined();
    expect(verifyAccessToken(forged, SECRET)).toBeUndefined();
    expect(verifyAccessToken(token, SECRET)).toMatchObject({ accountId: 'acc-3' });
  });
});
