/** Reusable OpenAPI 3.1 (JSON Schema 2020-12) pieces of the trading API document. */
const decimal = (description: string, example: string) => ({ type: 'string', pattern: '^(0|[1-9][0-9]*)(\\.[0-9]+)?$', description, examples: [example] });

export const components = {
  securitySchemes: {
    bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'HS256 access token from POST /v1/accounts or POST /v1/sessions' },
  },
  parameters: {
    IdempotencyKey: {
      name: 'Idempotency-Key', in: 'header', required: true,
      description: 'Required on every mutating route (X-Idempotency-Key is accepted too). Same key and body: the first response again; other body: 422; still running: 409. Kept 24 h.',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    },
    OrderId: { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
    Symbol: { name: 'symbol', in: 'path', required: true, schema: { type: 'string', examples: ['AAPL'] } },
    IfMatch: { name: 'If-Match', in: 'header', required: true, description: 'The order etag from the last response', schema: { type: 'string' } },
    ConsistencyPosition: {
      name: 'X-Consistency-Position', in: 'header', required: false,
      description: 'A `position` from a command response, for read-after-write. This route reads the account stream itself (the write model), which already holds every acknowledged command, so it never has to wait for it',
      schema: { $ref: '#/components/schemas/Position' },
    },
    ReadConsistency: {
      name: 'X-Consistency-Position', in: 'header', required: false,
      description: 'A `position` from a command response: the read waits (bounded) until every read model it uses has passed it. If the bound runs out the read answers anyway, with `X-Consistency-Stale: true` and `X-Consistency-Behind: <positions>`. Every read answers `X-Read-Position` when it waited.',
      schema: { $ref: '#/components/schemas/Position' },
    },
    Limit: { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
    Cursor: { name: 'cursor', in: 'query', required: false, description: 'The `next_cursor` of the previous page (opaque)', schema: { type: 'string' } },
    From: { name: 'from', in: 'query', required: false, description: 'Inclusive, ISO-8601', schema: { type: 'string', format: 'date-time' } },
    To: { name: 'to', in: 'query', required: false, description: 'Exclusive, ISO-8601', schema: { type: 'string', format: 'date-time' } },
  },
  schemas: {
    Error: {
      type: 'object', required: ['error'], additionalProperties: false,
      properties: {
        error: {
          type: 'object', required: ['code', 'message'], additionalProperties: false,
          properties: {
            code: { type: 'string', description: 'Stable code, never renamed', examples: ['INSUFFICIENT_BUYING_POWER'] },
            message: { type: 'string' },
            field: { type: 'string', description: 'JSON path of the offending field or header', examples: ['limit_price'] },
          },
        },
      },
    },
    Cash: decimal('Cash amount, 2 decimals', '500.00'),
    Price: decimal('Price, up to 4 decimals', '185.50'),
    Quantity: decimal('Shares, up to 6 decimals (fractional shares)', '10.5'),
    Position: { type: 'string', pattern: '^[0-9]+$', description: 'Commit position of the events written, for read-after-write' },
    SignUp: {
      type: 'object', required: ['email', 'password'], additionalProperties: false,
      properties: {
        email: { type: 'string', format: 'email', maxLength: 254 },
        password: { type: 'string', minLength: 10, maxLength: 128 },
        first_name: { type: 'string', minLength: 1, maxLength: 100 },
        last_name: { type: 'string', minLength: 1, maxLength: 100 },
        date_of_birth: { type: 'string', format: 'date' },
      },
    },
    LogIn: {
      type: 'object', required: ['email', 'password'], additionalProperties: false,
      properties: {
        email: { type: 'string', format: 'email' }, password: { type: 'string', minLength: 1, maxLength: 128 },
        mfa_code: { $ref: '#/components/schemas/MfaCode' },
      },
    },
    MfaCode: {
      type: 'string', minLength: 1, maxLength: 32,
      description: 'The 6-digit code of an authenticator app (each works once), or an unused recovery code XXXX-XXXX-XXXX-XXXX. Required once two-factor is on.',
    },
    BeginTwoFactor: {
      type: 'object', required: ['password'], additionalProperties: false,
      properties: { password: { type: 'string', minLength: 1, maxLength: 128 } },
    },
    TwoFactorEnrolment: {
      type: 'object', required: ['otpauth_uri', 'secret'],
      properties: {
        otpauth_uri: { type: 'string', description: 'otpauth://totp/... for an authenticator app (RFC 6238, SHA-1, 6 digits, 30 s). Shown this once.' },
        secret: { type: 'string', description: 'The same secret in base32, to type in by hand. Shown this once.' },
      },
    },
    TwoFactorCode: {
      type: 'object', required: ['mfa_code'], additionalProperties: false,
      properties: { mfa_code: { $ref: '#/components/schemas/MfaCode' } },
    },
    TwoFactorEnabled: {
      type: 'object', required: ['enabled', 'recovery_codes'],
      properties: {
        enabled: { const: true },
        recovery_codes: { type: 'array', items: { type: 'string' }, minItems: 10, maxItems: 10, description: 'Each works once in place of a code. Shown this once; only their keyed hashes are kept.' },
      },
    },
    Session: {
      type: 'object', required: ['account_id', 'token'],
      properties: {
        account_id: { type: 'string', format: 'uuid' },
        token: { type: 'string', description: 'Access JWT, 15 minutes' },
        refresh_token: { type: 'string', description: 'Opaque, single use (log-in and refresh only)' },
      },
    },
    Refresh: {
      type: 'object', required: ['refresh_token'], additionalProperties: false,
      properties: { refresh_token: { type: 'string', maxLength: 128 } },
    },
    ChangePassword: {
      type: 'object', required: ['current_password', 'new_password'], additionalProperties: false,
      properties: { current_password: { type: 'string', maxLength: 128 }, new_password: { type: 'string', minLength: 10, maxLength: 128 } },
    },
    SecurityEvents: {
      type: 'object', required: ['events'],
      properties: {
        events: {
          type: 'array',
          items: {
            type: 'object', required: ['type', 'at', 'ip', 'user_agent'],
            properties: { type: { type: 'string' }, at: { type: 'string', format: 'date-time' }, ip: { type: 'string' }, user_agent: { type: 'string' }, reason: { type: 'string' } },
          },
        },
      },
    },
    TransferRequest: {
      type: 'object', required: ['direction', 'amount'], additionalProperties: false,
      properties: { direction: { enum: ['deposit', 'withdrawal'] }, amount: { $ref: '#/components/schemas/Cash' } },
    },
    Transfer: {
      type: 'object', required: ['transfer_id', 'status', 'amount', 'position'],
      properties: {
        transfer_id: { type: 'string', format: 'uuid' }, status: { type: 'string' }, amount: { $ref: '#/components/schemas/Cash' },
        instant_credit: { $ref: '#/components/schemas/Cash' }, position: { $ref: '#/components/schemas/Position' },
      },
    },
    PlaceOrder: {
      type: 'object', required: ['symbol', 'side', 'type'], additionalProperties: false,
      description: 'Exactly one of quantity or notional. limit_price for limit and stop_limit; stop_price for stop and stop_limit.',
      properties: {
        symbol: { type: 'string', examples: ['AAPL'] },
        side: { enum: ['buy', 'sell'] },
        type: { enum: ['market', 'limit', 'stop', 'stop_limit'] },
        quantity: { $ref: '#/components/schemas/Quantity' },
        notional: { $ref: '#/components/schemas/Cash' },
        limit_price: { $ref: '#/components/schemas/Price' },
        stop_price: { $ref: '#/components/schemas/Price' },
        time_in_force: { enum: ['day', 'gtc', 'ioc', 'fok'], default: 'day' },
        extended_hours: { type: 'boolean', default: false },
      },
    },
    ReplaceOrder: {
      type: 'object', additionalProperties: false, minProperties: 1,
      properties: {
        quantity: { $ref: '#/components/schemas/Quantity' },
        limit_price: { $ref: '#/components/schemas/Price' },
        stop_price: { $ref: '#/components/schemas/Price' },
      },
    },
    OrderAccepted: {
      type: 'object', required: ['order_id', 'status', 'reserved_amount', 'etag', 'position'],
      properties: {
        order_id: { type: 'string', format: 'uuid' }, status: { const: 'pending_new' },
        reserved_amount: { $ref: '#/components/schemas/Cash' }, etag: { type: 'string' }, position: { $ref: '#/components/schemas/Position' },
      },
    },
    OrderReplacing: {
      type: 'object', required: ['order_id', 'status', 'etag', 'position'],
      properties: { order_id: { type: 'string', format: 'uuid' }, status: { const: 'pending_replace' }, etag: { type: 'string' }, position: { $ref: '#/components/schemas/Position' } },
    },
    OrderCancelling: {
      type: 'object', required: ['order_id', 'status', 'position'],
      properties: { order_id: { type: 'string', format: 'uuid' }, status: { const: 'pending_cancel' }, position: { $ref: '#/components/schemas/Position' } },
    },
    Order: {
      type: 'object', required: ['order_id', 'symbol', 'side', 'type', 'status'],
      properties: {
        order_id: { type: 'string', format: 'uuid' }, symbol: { type: 'string' }, side: { enum: ['buy', 'sell'] },
        type: { enum: ['market', 'limit', 'stop', 'stop_limit'] },
        status: { enum: ['pending_new', 'submitted', 'partially_filled', 'filled', 'rejected', 'pending_cancel', 'cancelled', 'pending_replace', 'expired'] },
        quantity: { $ref: '#/components/schemas/Quantity' }, notional: { $ref: '#/components/schemas/Cash' },
        filled_quantity: { $ref: '#/components/schemas/Quantity' }, avg_fill_price: { $ref: '#/components/schemas/Price' },
        limit_price: { $ref: '#/components/schemas/Price' }, stop_price: { $ref: '#/components/schemas/Price' },
        time_in_force: { enum: ['day', 'gtc', 'ioc', 'fok'] }, etag: { type: 'string' },
      },
    },
    OrderDetail: {
      allOf: [{ $ref: '#/components/schemas/Order' }],
      properties: {
        filled_qty: { $ref: '#/components/schemas/Quantity' },
        history: {
          type: 'array', description: 'Each event of the order, oldest first, with the status after it (from the orders read model)',
          items: { type: 'object', required: ['type', 'status', 'at'], properties: { type: { type: 'string' }, status: { type: 'string' }, at: { type: 'string', format: 'date-time' } } },
        },
      },
    },
    OrderPage: {
      type: 'object', required: ['orders', 'next_cursor'],
      properties: { orders: { type: 'array', items: { $ref: '#/components/schemas/Order' } }, next_cursor: { type: ['string', 'null'] } },
    },
    Portfolio: {
      type: 'object', required: ['equity', 'cash', 'buying_power', 'day_trades_remaining', 'positions', 'as_of'],
      properties: {
        equity: { type: 'string', description: 'cash (settled + unsettled + deposits on their way) + sum of market values, to the cent; negative after an ACH return' },
        cash: {
          type: 'object', required: ['settled', 'unsettled', 'withdrawable'],
          properties: { settled: { type: 'string' }, unsettled: { $ref: '#/components/schemas/Cash' }, withdrawable: { $ref: '#/components/schemas/Cash' } },
        },
        buying_power: { type: 'string' }, day_trades_remaining: { type: 'integer', minimum: 0, maximum: 3 },
        positions: {
          type: 'array',
          items: {
            type: 'object', required: ['symbol', 'quantity', 'avg_cost', 'current_price', 'market_value', 'unrealized_pnl'],
            properties: {
              symbol: { type: 'string' }, quantity: { $ref: '#/components/schemas/Quantity' }, avg_cost: { $ref: '#/components/schemas/Price' },
              cost_basis: { $ref: '#/components/schemas/Cash' }, current_price: { $ref: '#/components/schemas/Price' },
              price_source: { enum: ['quote', 'last_fill', 'cost'] }, market_value: { $ref: '#/components/schemas/Cash' }, unrealized_pnl: { type: 'string' },
            },
          },
        },
        as_of: { type: 'string', format: 'date-time' },
      },
    },
    PortfolioHistory: {
      type: 'object', required: ['period', 'timeframe', 'base_value', 'profit_loss', 'points', 'as_of'],
      properties: {
        period: { enum: ['1D', '1W', '1M', '3M', '1Y', 'ALL'] },
        timeframe: { enum: ['5m', '1D'], description: '5m: points at the end of each 5-minute interval of the regular session; 1D: one point per trading day, at its close' },
        base_value: { type: 'string', description: 'equity the period starts from: at the open (1D), else the last daily snapshot before the window (or the first point)' },
        profit_loss: { type: 'string', description: 'last point less base_value, signed' },
        points: {
          type: 'array',
          items: { type: 'object', required: ['t', 'equity'], properties: { t: { type: 'string', format: 'date-time' }, equity: { type: 'string', description: 'cash + sum of quantity x price, to the cent' } } },
        },
        as_of: { type: 'string', format: 'date-time' },
      },
    },
    ActivityPage: {
      type: 'object', required: ['activities', 'next_cursor'],
      properties: {
        activities: {
          type: 'array',
          items: {
            type: 'object', required: ['id', 'type', 'subtype', 'amount', 'at'],
            properties: {
              id: { type: 'string' }, type: { enum: ['fill', 'transfer', 'fee'] }, subtype: { type: 'string' }, symbol: { type: ['string', 'null'] },
              quantity: { type: ['string', 'null'] }, price: { type: ['string', 'null'] }, amount: { $ref: '#/components/schemas/Cash' }, at: { type: 'string', format: 'date-time' },
            },
          },
        },
        next_cursor: { type: ['string', 'null'] },
      },
    },
    Quote: {
      type: 'object', required: ['symbol', 'bid', 'ask', 'last', 'volume', 'ts'],
      properties: {
        symbol: { type: 'string' }, bid: { oneOf: [{ $ref: '#/components/schemas/Price' }, { type: 'null' }] }, ask: { oneOf: [{ $ref: '#/components/schemas/Price' }, { type: 'null' }] },
        bid_size: { type: 'integer' }, ask_size: { type: 'integer' }, last: { oneOf: [{ $ref: '#/components/schemas/Price' }, { type: 'null' }] },
        volume: { type: 'integer' }, ts: { type: 'string', format: 'date-time' },
      },
    },
    Candle: {
      type: 'object',
      properties: {
        start: { type: 'string', format: 'date-time' }, open: { $ref: '#/components/schemas/Price' }, high: { $ref: '#/components/schemas/Price' },
        low: { $ref: '#/components/schemas/Price' }, close: { $ref: '#/components/schemas/Price' }, volume: { type: 'integer' },
      },
    },
    Book: {
      type: 'object',
      properties: {
        symbol: { type: 'string' },
        bids: { type: 'array', maxItems: 5, items: { type: 'object', properties: { price: { $ref: '#/components/schemas/Price' }, size: { type: 'integer' } } } },
        asks: { type: 'array', maxItems: 5, items: { type: 'object', properties: { price: { $ref: '#/components/schemas/Price' }, size: { type: 'integer' } } } },
      },
    },
    Asset: {
      type: 'object', required: ['symbol', 'name', 'sector', 'reference_price'],
      properties: { symbol: { type: 'string' }, name: { type: 'string' }, sector: { type: 'string' }, reference_price: { $ref: '#/components/schemas/Price' } },
    },
  },
} as const;
