import { ERROR_STATUSES } from '../error-statuses';
import { components } from './schemas';

/**
 * The trading API as clients see it, every route included, also the ones other
 * components mount (`assertRoutesMatchOpenApi` keeps this honest). Error
 * responses list the codes a route can answer; the full code→status table is
 * in `x-error-codes`.
 */
const json = (schema: object) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const ok = (description: string, schema: object) => ({ description, content: json(schema) });
const errors = (...codes: string[]) => {
  const table = new Map<string, number>(Object.entries(ERROR_STATUSES));
  const byStatus = new Map<number, string[]>();
  for (const code of codes) {
    const status = code === 'UNKNOWN_SYMBOL_PATH' ? 404 : table.get(code) ?? 500;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code === 'UNKNOWN_SYMBOL_PATH' ? 'UNKNOWN_SYMBOL' : code]);
  }
  return Object.fromEntries([...byStatus].map(([status, list]) => [String(status), { description: list.join(' | '), content: json(ref('Error')) }]));
};
const bearer = [{ bearer: [] }];
const idem = { $ref: '#/components/parameters/IdempotencyKey' };
const body = (name: string) => ({ required: true, content: json(ref(name)) });
const COMMON = ['VALIDATION_FAILED', 'MALFORMED_JSON', 'MALFORMED_REQUEST', 'JSON_TOO_DEEP', 'JSON_DUPLICATE_KEY', 'INTERNAL'];
const IDEMPOTENT = ['IDEMPOTENCY_KEY_MISSING', 'IDEMPOTENCY_KEY_REUSED', 'IDEMPOTENCY_REQUEST_IN_FLIGHT'];

export const buildOpenApiDocument = () => ({
  openapi: '3.1.0',
  info: { title: 'Brokerage trading API', version: '1.0.0', description: 'Money, prices and quantities are decimal strings; a JSON number in such a field is refused. Request bodies are closed: unknown fields are refused.' },
  servers: [{ url: '/' }],
  'x-error-codes': { ...ERROR_STATUSES },
  components,
  paths: {
    '/v1/accounts': {
      post: {
        operationId: 'signUp', summary: 'Open an account', parameters: [idem], requestBody: body('SignUp'),
        responses: { '201': ok('Account opened', ref('Session')), ...errors(...COMMON, ...IDEMPOTENT, 'EMAIL_TAKEN', 'SIGN_UP_THROTTLED') },
      },
    },
    '/v1/sessions': {
      post: {
        operationId: 'logIn', summary: 'Log in (with mfa_code once two-factor is on)', requestBody: body('LogIn'),
        responses: { '200': ok('Logged in', ref('Session')), ...errors(...COMMON, 'INVALID_CREDENTIALS', 'MFA_REQUIRED', 'MFA_INVALID', 'MFA_CODE_REUSED', 'LOGIN_THROTTLED') },
      },
    },
    '/v1/sessions/refresh': {
      post: {
        operationId: 'refreshSession', summary: 'Trade a refresh token for a new access token and a new refresh token (the old one is spent; reusing a spent one revokes the session)',
        requestBody: body('Refresh'),
        responses: { '200': ok('Refreshed', ref('Session')), ...errors(...COMMON, 'INVALID_REFRESH_TOKEN', 'REFRESH_TOKEN_REUSED') },
      },
    },
    '/v1/sessions/current': {
      delete: {
        operationId: 'logOut', summary: 'End this session: its access and refresh tokens stop working at once', security: bearer,
        responses: { '204': { description: 'Logged out' }, ...errors('UNAUTHENTICATED', 'TOKEN_REVOKED', 'INTERNAL') },
      },
    },
    '/v1/account/password': {
      post: {
        operationId: 'changePassword', summary: 'Change the password (the current one required); every session ends', security: bearer, requestBody: body('ChangePassword'),
        responses: { '204': { description: 'Changed; log in again' }, ...errors(...COMMON, 'UNAUTHENTICATED', 'TOKEN_REVOKED', 'INVALID_CREDENTIALS', 'LOGIN_THROTTLED', 'ACCOUNT_NOT_FOUND') },
      },
    },
    '/v1/account/2fa/enrolment': {
      post: {
        operationId: 'beginTwoFactor', summary: 'Start a TOTP enrolment (the password again): the secret and its otpauth:// URI, shown once; nothing changes until a first code confirms it',
        security: bearer, requestBody: body('BeginTwoFactor'),
        responses: {
          '201': ok('Enrolment pending', ref('TwoFactorEnrolment')),
          ...errors(...COMMON, 'UNAUTHENTICATED', 'TOKEN_REVOKED', 'INVALID_CREDENTIALS', 'MFA_ALREADY_ENABLED', 'LOGIN_THROTTLED', 'ACCOUNT_NOT_FOUND'),
        },
      },
    },
    '/v1/account/2fa/confirmation': {
      post: {
        operationId: 'confirmTwoFactor', summary: 'Confirm the enrolment with a first code: two-factor is on, and ten recovery codes are shown once',
        security: bearer, requestBody: body('TwoFactorCode'),
        responses: {
          '200': ok('Two-factor on', ref('TwoFactorEnabled')),
          ...errors(...COMMON, 'UNAUTHENTICATED', 'TOKEN_REVOKED', 'MFA_INVALID', 'MFA_NOT_ENROLLING', 'MFA_ALREADY_ENABLED', 'LOGIN_THROTTLED', 'ACCOUNT_NOT_FOUND'),
        },
      },
    },
    '/v1/account/2fa/disable': {
      post: {
        operationId: 'disableTwoFactor', summary: 'Turn two-factor off with a code (TOTP or recovery)', security: bearer, requestBody: body('TwoFactorCode'),
        responses: {
          '204': { description: 'Two-factor off' },
          ...errors(...COMMON, 'UNAUTHENTICATED', 'TOKEN_REVOKED', 'MFA_INVALID', 'MFA_CODE_REUSED', 'MFA_NOT_ENABLED', 'LOGIN_THROTTLED', 'ACCOUNT_NOT_FOUND'),
        },
      },
    },
    '/v1/account/security-events': {
      get: {
        operationId: 'listSecurityEvents', summary: 'The signed-in user\'s log-ins, failures, locks, password and session changes, newest first (100 at most)', security: bearer,
        responses: { '200': ok('Security events', ref('SecurityEvents')), ...errors('UNAUTHENTICATED', 'ACCOUNT_NOT_FOUND', 'INTERNAL') },
      },
    },
    '/v1/transfers': {
      post: {
        operationId: 'createTransfer', summary: 'Deposit or withdraw cash (a withdrawal above MFA_WITHDRAWAL_THRESHOLD needs X-MFA-Code once two-factor is on)', security: bearer,
        parameters: [idem, { name: 'X-MFA-Code', in: 'header', required: false, description: 'A code (TOTP or recovery) for a withdrawal above the threshold; outside the body, so a retry with a fresh code keeps its fingerprint', schema: { $ref: '#/components/schemas/MfaCode' } }],
        requestBody: body('TransferRequest'),
        responses: { '201': ok('Transfer accepted', ref('Transfer')), ...errors(...COMMON, ...IDEMPOTENT, 'UNAUTHENTICATED', 'MFA_REQUIRED', 'MFA_INVALID', 'MFA_CODE_REUSED', 'LOGIN_THROTTLED', 'INSUFFICIENT_WITHDRAWABLE_CASH', 'ACCOUNT_RESTRICTED', 'ACCOUNT_NOT_FOUND', 'SYS_CONCURRENCY_RETRIES_EXHAUSTED') },
      },
    },
    '/v1/orders': {
      get: {
        operationId: 'listOrders', summary: "The caller's orders, newest first, in keyset pages", security: bearer,
        parameters: [
          { name: 'status', in: 'query', required: false, description: 'An order status, or open / closed', schema: { type: 'string' } },
          { name: 'symbol', in: 'query', required: false, schema: { type: 'string' } },
          { $ref: '#/components/parameters/From' }, { $ref: '#/components/parameters/To' },
          { name: 'direction', in: 'query', required: false, schema: { enum: ['asc', 'desc'], default: 'desc' } },
          { $ref: '#/components/parameters/Limit' }, { $ref: '#/components/parameters/Cursor' }, { $ref: '#/components/parameters/ReadConsistency' },
        ],
        responses: { '200': ok('A page of orders', ref('OrderPage')), ...errors('VALIDATION_FAILED', 'UNAUTHENTICATED', 'SERVICE_UNAVAILABLE') },
      },
      post: {
        operationId: 'placeOrder', summary: 'Place an order (acknowledgement, not fill)', security: bearer, parameters: [idem], requestBody: body('PlaceOrder'),
        responses: {
          '201': ok('Order accepted', ref('OrderAccepted')),
          ...errors(...COMMON, ...IDEMPOTENT, 'UNAUTHENTICATED', 'INVALID_ORDER', 'UNKNOWN_SYMBOL', 'INSUFFICIENT_BUYING_POWER', 'INSUFFICIENT_SHARES',
            'SYMBOL_HALTED', 'MARKET_CLOSED', 'PRICE_UNREASONABLE', 'POSITION_LIMIT_EXCEEDED', 'ACCOUNT_RESTRICTED', 'PDT_RESTRICTION', 'RATE_LIMIT_EXCEEDED',
            'DUPLICATE_ORDER', 'ACCOUNT_NOT_FOUND', 'SYS_CONCURRENCY_RETRIES_EXHAUSTED'),
        },
      },
    },
    '/v1/orders/{id}': {
      get: {
        operationId: 'getOrder', summary: 'One order of the caller', security: bearer,
        parameters: [{ $ref: '#/components/parameters/OrderId' }, { $ref: '#/components/parameters/ConsistencyPosition' }],
        responses: { '200': ok('The order', ref('OrderDetail')), ...errors('UNAUTHENTICATED', 'ORDER_NOT_FOUND', 'INTERNAL') },
      },
      patch: {
        operationId: 'replaceOrder', summary: 'Modify an open order', security: bearer,
        parameters: [{ $ref: '#/components/parameters/OrderId' }, idem, { $ref: '#/components/parameters/IfMatch' }], requestBody: body('ReplaceOrder'),
        responses: {
          '200': ok('Replace requested', ref('OrderReplacing')),
          ...errors(...COMMON, ...IDEMPOTENT, 'UNAUTHENTICATED', 'ORDER_NOT_FOUND', 'VERSION_MISMATCH', 'INVALID_TRANSITION', 'INVALID_ORDER', 'INSUFFICIENT_BUYING_POWER', 'PRICE_UNREASONABLE', 'SYS_CONCURRENCY_RETRIES_EXHAUSTED'),
        },
      },
      delete: {
        operationId: 'cancelOrder', summary: 'Cancel an open order (asynchronous)', security: bearer,
        parameters: [{ $ref: '#/components/parameters/OrderId' }, idem],
        responses: { '200': ok('Cancel requested', ref('OrderCancelling')), ...errors('INTERNAL', ...IDEMPOTENT, 'UNAUTHENTICATED', 'ORDER_NOT_FOUND', 'INVALID_TRANSITION', 'SYS_CONCURRENCY_RETRIES_EXHAUSTED') },
      },
    },
    '/v1/portfolio': {
      get: {
        operationId: 'getPortfolio', summary: 'Equity, cash buckets, buying power and positions priced with the last quote', security: bearer,
        parameters: [{ $ref: '#/components/parameters/ReadConsistency' }],
        responses: { '200': ok('The portfolio', ref('Portfolio')), ...errors('VALIDATION_FAILED', 'UNAUTHENTICATED', 'SERVICE_UNAVAILABLE') },
      },
    },
    '/v1/portfolio/history': {
      get: {
        operationId: 'getPortfolioHistory', security: bearer,
        summary: 'The equity curve: 1D in 5-minute points of the trading day (computed on demand), longer periods in daily close-of-day snapshots',
        parameters: [
          { name: 'period', in: 'query', required: false, schema: { enum: ['1D', '1W', '1M', '3M', '1Y', 'ALL'], default: '1D' } },
          { $ref: '#/components/parameters/ReadConsistency' },
        ],
        responses: { '200': ok('The equity curve', ref('PortfolioHistory')), ...errors('VALIDATION_FAILED', 'UNAUTHENTICATED', 'SERVICE_UNAVAILABLE') },
      },
    },
    '/v1/account/activities': {
      get: {
        operationId: 'listActivities', summary: 'Fills, transfers and fees, newest first, in keyset pages', security: bearer,
        parameters: [
          { name: 'type', in: 'query', required: false, description: 'Comma-separated: fill, transfer, fee', schema: { type: 'string' } },
          { $ref: '#/components/parameters/From' }, { $ref: '#/components/parameters/To' },
          { $ref: '#/components/parameters/Limit' }, { $ref: '#/components/parameters/Cursor' }, { $ref: '#/components/parameters/ReadConsistency' },
        ],
        responses: { '200': ok('A page of activities', ref('ActivityPage')), ...errors('VALIDATION_FAILED', 'UNAUTHENTICATED', 'SERVICE_UNAVAILABLE') },
      },
    },
    '/v1/compliance/accounts/{id}/replay': {
      get: {
        operationId: 'replayAccount', summary: "Compliance: an account's events one by one with the state after each, then the state as of an instant", security: bearer,
        description: 'Needs the compliance role in the token (`npm run grant-role -- <email> compliance`, then log in again). Every call is recorded in the audit log.',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }, { name: 'as_of', in: 'query', required: false, schema: { type: 'string', format: 'date-time' } }],
        responses: {
          '200': ok('The replay', { type: 'object', required: ['account_id', 'as_of', 'events', 'state'], properties: { account_id: { type: 'string' }, as_of: { type: ['string', 'null'] }, events: { type: 'array' }, state: { type: 'object' } } }),
          ...errors('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'ACCOUNT_NOT_FOUND', 'SERVICE_UNAVAILABLE'),
        },
      },
    },
    '/v1/assets': {
      get: {
        operationId: 'listAssets', summary: 'Tradable assets',
        parameters: [{ name: 'symbol', in: 'query', required: false, schema: { type: 'string' } }],
        responses: { '200': ok('Assets', { type: 'object', required: ['assets'], properties: { assets: { type: 'array', items: ref('Asset') } } }), ...errors('VALIDATION_FAILED') },
      },
    },
    '/v1/assets/{symbol}': {
      get: {
        operationId: 'getAsset', summary: 'One asset', parameters: [{ $ref: '#/components/parameters/Symbol' }],
        responses: { '200': ok('The asset', ref('Asset')), ...errors('UNKNOWN_SYMBOL_PATH') },
      },
    },
    '/v1/market/quotes': {
      get: {
        operationId: 'getQuotes', summary: 'Last NBBO quote of each symbol',
        parameters: [{ name: 'symbols', in: 'query', required: true, description: 'Comma-separated, at most 100', schema: { type: 'string', examples: ['AAPL,MSFT'] } }],
        responses: { '200': ok('Quotes', { type: 'object', required: ['quotes'], properties: { quotes: { type: 'array', items: ref('Quote') } } }), ...errors('VALIDATION_FAILED', 'UNKNOWN_SYMBOL', 'SERVICE_UNAVAILABLE') },
      },
    },
    '/v1/market/candles/{symbol}': {
      get: {
        operationId: 'getCandles', summary: 'OHLCV candles of one symbol',
        parameters: [
          { $ref: '#/components/parameters/Symbol' },
          { name: 'interval', in: 'query', required: false, schema: { enum: ['1m', '5m', '1h', '1d'], default: '1m' } },
          { name: 'from', in: 'query', required: false, schema: { type: 'string', format: 'date-time' } },
          { name: 'to', in: 'query', required: false, schema: { type: 'string', format: 'date-time' } },
        ],
        responses: { '200': ok('Candles, oldest first, at most 1,000', { type: 'object', properties: { candles: { type: 'array', items: ref('Candle') } } }), ...errors('VALIDATION_FAILED', 'UNKNOWN_SYMBOL_PATH', 'SERVICE_UNAVAILABLE') },
      },
    },
    '/v1/market/book/{symbol}': {
      get: {
        operationId: 'getBook', summary: 'Top 5 bid and ask levels across venues',
        parameters: [{ $ref: '#/components/parameters/Symbol' }],
        responses: { '200': ok('Level 2 book', ref('Book')), ...errors('UNKNOWN_SYMBOL_PATH', 'NOT_FOUND', 'SERVICE_UNAVAILABLE') },
      },
    },
    '/healthz': {
      get: {
        operationId: 'health', summary: 'Liveness and readiness',
        responses: {
          '200': ok('Ready', { type: 'object', properties: { status: { const: 'ok' }, checks: { type: 'object' } } }),
          '503': ok('Not ready or draining', { type: 'object', properties: { status: { enum: ['unavailable', 'draining'] }, checks: { type: 'object' } } }),
        },
      },
    },
    '/v1/openapi.json': {
      get: { operationId: 'openApi', summary: 'This document', responses: { '200': ok('OpenAPI 3.1 document', { type: 'object' }) } },
    },
  },
});
