import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { big } from '../domain/money';
import { FixCodec } from '../fix-gateway/session/codec';
import { startFixProxy, type FixProxy } from '../fix-gateway/session/test-proxy';
import { connectNatsBus, type NatsBus } from '../infrastructure/bus/nats';
import type { VenueTopOfBook } from '../infrastructure/market/quote';
import { venueQuoteSubject } from '../infrastructure/market/subjects';
import { sqlDatabaseFromPool, type SqlDatabase } from '../infrastructure/pg/sql-client';
import { DropCopy } from '../venue-sim/drop-copy';
import { startChildProcess, type ChildProcess } from './support/child-process';
import { ledgerMismatches } from './support/ledger-check';
import { REDIS_URL, startTradingHarness, TRADING_JWT_SECRET, type TradingHarness } from './support/trading-harness';

jest.setTimeout(240_000);

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const VENUES = ['XNYS', 'XNAS'] as const;
const TERMINAL = new Set(['filled', 'cancelled', 'rejected', 'expired']);
const QUOTE_EVERY_MS = 100;
const DEPOSIT = '50000.00';

const waitFor = async <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/**
 * Faults with real OS processes: the gateway (`scripts/start-fix-gateway.ts`) and two venues
 * (`scripts/start-venue.ts`) each run as their own process on the harness's PostgreSQL, the venues quoting
 * what this test publishes on the real NATS; between the gateway and each venue a TCP proxy of the test's
 * own lets it silence or cut the FIX connection. The gateway is killed with SIGKILL, never asked to stop.
 * After each fault: every order ends terminal, each venue execution is booked exactly once (drop copy =
 * booked fills, order by order), each order went out once, and cash, reserves and positions fold from the fills.
 */
describe('execution faults with real processes', () => {
  let h: TradingHarness;
  let database: SqlDatabase;
  let bus: NatsBus;
  let quoteTimer: NodeJS.Timeout | undefined;
  const venues = new Map<string, { process: ChildProcess; proxy: FixProxy }>();
  const gateways: ChildProcess[] = [];

  const startGatewayProcess = (label: string): ChildProcess => {
    const fixVenues = [...venues].map(([name, { proxy }]) => ({ name, host: '127.0.0.1', port: proxy.port, senderCompId: 'BROKER', targetCompId: name, orderTypes: ['market', 'limit'] }));
    const gateway = startChildProcess(`gateway-${label}`, 'scripts/start-fix-gateway.ts', [], {
      RUN_MODE: 'distributed', DATABASE_URL: h.databaseUrl, REDIS_URL, NATS_URL, JWT_SECRET: TRADING_JWT_SECRET, PORT: '0',
      FIX_VENUES: JSON.stringify(fixVenues), MARKET_HOURS: 'always', LOG_LEVEL: 'info', EVENTSTORE_URL: '',
    });
    gateways.push(gateway);
    return gateway;
  };
  const running = (gateway: ChildProcess) => gateway.logged((l) => l.msg === 'fix gateway running', `${gateway.name} to run`);

  const publishQuotes = () => {
    const ts = new Date().toISOString();
    for (const venue of VENUES) {
      for (const [symbol, bid, ask] of [['AAPL', '189.99', '190.01'], ['MSFT', '399.99', '400.01']] as const) {
        const quote: VenueTopOfBook = { symbol, venue, bid, ask, bid_size: 5_000, ask_size: 5_000, ts };
        bus.publish(venueQuoteSubject(venue, symbol), new TextEncoder().encode(JSON.stringify(quote)));
      }
    }
  };

  beforeAll(async () => {
    h = await startTradingHarness('exec_procs', { readModels: true });
    database = sqlDatabaseFromPool(new Pool({ connectionString: h.databaseUrl, max: 2 }), true);
    bus = await connectNatsBus({ servers: NATS_URL, name: 'execution-processes-test' });
    for (const [symbol, bid, ask] of [['AAPL', '189.99', '190.01'], ['MSFT', '399.99', '400.01']] as const) {
      await h.market.writeBatch([{ kind: 'quote', symbol, json: JSON.stringify({ symbol, bid, ask, bid_size: 5_000, ask_size: 5_000, last: ask, volume: 0, ts: new Date().toISOString() }) }]);
    }
    const codec = await FixCodec.create();
    const started = VENUES.map((mic) => startChildProcess(`venue-${mic}`, 'scripts/start-venue.ts', [mic], {
      FIX_PORT: '0', PORT: '0', HOST: '127.0.0.1', DATABASE_URL: h.databaseUrl, NATS_URL, LOG_LEVEL: 'info',
    }));
    for (const [i, mic] of VENUES.entries()) {
      const line = await started[i]!.logged((l) => l.msg === 'venue running', `venue ${mic} to run`);
      venues.set(mic, { process: started[i]!, proxy: await startFixProxy(codec, line.fixPort as number) });
    }
    // The venues fill at the quote they last saw and rest what they could not fill until the next one.
    publishQuotes();
    quoteTimer = setInterval(publishQuotes, QUOTE_EVERY_MS);
    await running(startGatewayProcess('first'));
    await loggedOnEverywhere(0);
  });

  afterAll(async () => {
    clearInterval(quoteTimer);
    const codes = await Promise.all([...gateways, ...[...venues.values()].map((v) => v.process)].map(async (p) => [p.name, p.exited() ? 'crashed' : await p.stop()] as const));
    for (const { proxy } of venues.values()) await proxy.stop();
    await bus?.close();
    await database?.close();
    await h?.close();
    // Every process still running at the end shut down cleanly on SIGTERM.
    expect(codes.filter(([, code]) => code !== 'crashed' && code !== 0)).toEqual([]);
  });

  /** Both venues have answered a Logon seen after `fromSeen` (per proxy): the gateway holds live sessions. */
  async function loggedOnEverywhere(fromSeen: number | Map<string, number>): Promise<void> {
    for (const [name, { proxy }] of venues) {
      const from = typeof fromSeen === 'number' ? fromSeen : fromSeen.get(name) ?? 0;
      await waitFor(async () => (proxy.seen.slice(from).some((s) => s.direction === 'down' && s.msgType === 'A') ? true : undefined), `a Logon from ${name}`);
    }
  }
  const seenCounts = () => new Map([...venues].map(([name, { proxy }]) => [name, proxy.seen.length]));

  const place = async (token: string, body: Record<string, unknown>): Promise<string> => {
    const reply = await h.request('POST', '/v1/orders', { token, key: randomUUID(), body: { symbol: 'AAPL', side: 'buy', type: 'market', time_in_force: 'day', ...body } });
    // The body names the refusal (a 503 in one full run said nothing more than its status).
    expect({ status: reply.status, body: reply.status === 201 ? undefined : reply.body }).toEqual({ status: 201, body: undefined });
    return reply.body.order_id as string;
  };
  const ORDER_SHAPES: readonly Record<string, unknown>[] = [
    { quantity: '1' }, { quantity: '2.5' }, { notional: '150.00' }, { type: 'limit', limit_price: '190.01', quantity: '3' },
    { symbol: 'MSFT', quantity: '0.75' }, { symbol: 'MSFT', type: 'limit', limit_price: '400.05', quantity: '2' },
  ];
  const placeMany = async (token: string, count: number) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) ids.push(await place(token, ORDER_SHAPES[i % ORDER_SHAPES.length]!));
    return ids;
  };
  const statusesOf = (token: string, ids: readonly string[]) => Promise.all(ids.map(async (id) => (await h.request('GET', `/v1/orders/${id}`, { token })).body.status as string));
  const allTerminal = (token: string, ids: readonly string[]) => waitFor(async () => {
    const statuses = await statusesOf(token, ids);
    return statuses.every((s) => TERMINAL.has(s)) ? statuses : undefined;
  }, `${ids.length} orders to end`, 90_000).catch(async (error: unknown) => {
    // Says which orders did not end, and what the live gateways last logged, instead of only that they did not.
    const statuses = await statusesOf(token, ids);
    const open = ids.flatMap((id, i) => (TERMINAL.has(statuses[i]!) ? [] : [`${id}: ${statuses[i]}`]));
    const logs = gateways.filter((g) => !g.exited()).map((g) => `${g.name}:\n${g.lines.slice(-15).map((l) => JSON.stringify(l)).join('\n')}`);
    throw new Error(`${String(error)}\nnot ended: ${open.join(', ')}\n${logs.join('\n')}`);
  });

  /** Venue executions and booked fills, order by order, and how often each order went out. */
  const reconciled = async (ids: readonly string[]) => {
    const wanted = new Set(ids);
    const atVenues = new Map<string, string>();
    const opened = new Map<string, number>();
    for (const mic of VENUES) {
      for (const row of await new DropCopy(database, mic).read()) {
        const orderId = row.clOrdId.slice(0, row.clOrdId.lastIndexOf('.'));
        if (!wanted.has(orderId)) continue;
        if (row.execType === 'new' || row.execType === 'rejected') opened.set(orderId, (opened.get(orderId) ?? 0) + 1);
        if (row.lastQty !== null) atVenues.set(orderId, big(atVenues.get(orderId) ?? '0').plus(row.lastQty).toFixed(6));
      }
    }
    const booked = new Map<string, string>();
    for await (const e of h.store.readAll({ filter: { eventTypes: ['OrderFilled'] } })) {
      const data = e.data as { orderId: string; quantity: string };
      if (wanted.has(data.orderId)) booked.set(data.orderId, big(booked.get(data.orderId) ?? '0').plus(data.quantity).toFixed(6));
    }
    const sent = await database.query<{ clordid: string; n: string }>({ text: `
      SELECT message->>'clOrdId' AS clordid, count(*) AS n FROM fix_sent
       WHERE session LIKE 'gateway-%' AND message->>'msgType' = 'NewOrderSingle' GROUP BY 1` });
    const sentTimes = new Map(sent.rows.filter((r) => wanted.has(r.clordid.slice(0, r.clordid.lastIndexOf('.')))).map((r) => [r.clordid, Number(r.n)]));
    return { atVenues, booked, opened, sentTimes };
  };
  const expectExactlyOnce = async (user: { accountId: string; token: string }, ids: readonly string[]) => {
    // Booked fills become visible to readAll once no older transaction is in flight: wait for them to agree.
    const result = await waitFor(async () => {
      const r = await reconciled(ids);
      return [...r.atVenues].every(([id, q]) => r.booked.get(id) === q) && r.booked.size === r.atVenues.size ? r : undefined;
    }, 'booked fills to equal the venues\' executions', 15_000).catch(async () => reconciled(ids));
    expect(result.booked).toEqual(result.atVenues);
    // Each order reached a venue once (acknowledged or refused once, never a duplicate ClOrdID) and was sent once.
    expect([...result.opened].filter(([, n]) => n !== 1)).toEqual([]);
    expect(result.opened.size).toBe(ids.length);
    expect([...result.sentTimes].filter(([, n]) => n !== 1)).toEqual([]);
    expect(result.sentTimes.size).toBe(ids.length);
    expect(await ledgerMismatches(h, user, DEPOSIT)).toEqual([]);
  };

  it('a gateway killed after sending and before any ack: its successor sends nothing twice and books every fill once', async () => {
    const user = await h.fundedAccount(DEPOSIT);
    for (const { proxy } of venues.values()) proxy.silence('down', true);
    const ids = await placeMany(user.token, 6);
    await waitFor(async () => {
      const out = [...venues.values()].flatMap(({ proxy }) => proxy.seen.filter((s) => s.direction === 'up' && s.msgType === 'D').map((s) => s.field(11)));
      return ids.every((id) => out.includes(`${id}.0`)) ? true : undefined;
    }, 'every NewOrderSingle on the wire');
    await gateways.at(-1)!.crash();
    // The worst moment to die: before the checkpoint passed these orders, so the successor acts on them again
    // and must find in the session's store that they already left.
    await database.query({ text: 'UPDATE engine_checkpoint SET position = 0' });
    // The venues acknowledged and filled while the gateway was blind: its successor learns of it by resend.
    for (const { proxy } of venues.values()) proxy.silence('down', false);
    const before = seenCounts();
    await running(startGatewayProcess('after-crash'));
    await loggedOnEverywhere(before);
    await allTerminal(user.token, ids);
    // The successor found a gap on receipt and asked for it again.
    expect([...venues].some(([name, { proxy }]) => proxy.seen.slice(before.get(name)).some((s) => s.direction === 'up' && s.msgType === '2'))).toBe(true);
    await expectExactlyOnce(user, ids);
  });

  it('a FIX connection cut mid-stream: the gateway reconnects, the gap is resent, and nothing is booked twice', async () => {
    const user = await h.fundedAccount(DEPOSIT);
    const first = await placeMany(user.token, 6);
    // Reports keep coming while the gateway does not see them; then the cable is cut.
    for (const { proxy } of venues.values()) proxy.silence('down', true);
    // Counted from the silence on: the first orders' reports may all have come through before it, and a cut
    // with nothing dropped would leave nothing to resend.
    const silencedAt = seenCounts();
    const second = await placeMany(user.token, 6);
    await waitFor(async () => {
      const dropped = [...venues].reduce((n, [name, { proxy }]) => n + proxy.seen.slice(silencedAt.get(name)).filter((s) => s.direction === 'down' && s.msgType === '8').length, 0);
      return dropped >= 12 ? true : undefined;
    }, 'reports dropped');
    const cutAt = seenCounts();
    for (const { proxy } of venues.values()) { proxy.cut(); proxy.silence('down', false); }
    await loggedOnEverywhere(cutAt);
    const ids = [...first, ...second];
    await allTerminal(user.token, ids);
    const resent = [...venues].flatMap(([name, { proxy }]) => proxy.seen.slice(cutAt.get(name)).filter((s) => s.direction === 'down' && s.msgType === '8' && s.possDup));
    expect(resent.length).toBeGreaterThan(0);
    await expectExactlyOnce(user, ids);
  });

  it('a standby gateway takes the lease when the active one is killed, and carries on: no duplicates, nothing lost', async () => {
    const standby = startGatewayProcess('standby');
    await standby.logged((l) => l.msg === 'fix gateway standing by for the lease', 'the standby to wait');
    const active = gateways.at(-2)!;
    expect(standby.lines.some((l) => l.msg === 'fix gateway running')).toBe(false);
    const user = await h.fundedAccount(DEPOSIT);
    const before = seenCounts();
    const ids = await placeMany(user.token, 6);
    await waitFor(async () => {
      const reports = [...venues].reduce((n, [name, { proxy }]) => n + proxy.seen.slice(before.get(name)).filter((s) => s.direction === 'down' && s.msgType === '8').length, 0);
      return reports >= 3 ? true : undefined;
    }, 'the first reports');
    await active.crash();
    // Orders keep coming while nobody owns the sessions; the standby's engine finds them from the checkpoint.
    ids.push(...(await placeMany(user.token, 6)));
    await running(standby);
    await allTerminal(user.token, ids);
    await expectExactlyOnce(user, ids);
  });

  const ops = async (port: unknown, path: string) => {
    const reply = await fetch(`http://127.0.0.1:${String(port)}${path}`);
    return { status: reply.status, text: await reply.text() };
  };

  it('SIGTERM: the active gateway logs out of each venue, exits 0 with its sequence numbers stored, and the standby carries on from them; /healthz and /metrics on every process', async () => {
    const active = gateways.filter((g) => !g.exited()).at(-1)!;
    const activeOps = (await running(active)).port;
    const standby = startGatewayProcess('standby-sigterm');
    const standbyOps = (await standby.logged((l) => l.msg === 'fix gateway standing by for the lease', 'the standby to wait')).port;
    expect(JSON.parse((await ops(activeOps, '/healthz')).text)).toEqual({ status: 'ok', role: 'active' });
    expect(JSON.parse((await ops(standbyOps, '/healthz')).text)).toEqual({ status: 'ok', role: 'standby' });
    const user = await h.fundedAccount(DEPOSIT);
    const ids = await placeMany(user.token, 6);
    await allTerminal(user.token, ids);
    expect((await ops(activeOps, '/metrics')).text).toMatch(/^fix_gateway_reports_total\{outcome="booked",exec_type="(fill|partial_fill)"\} \d+/m);
    // The router chose among the venues, and a venue restarted by an earlier test counts from zero: some venue, not each, acknowledged.
    const acknowledging: string[] = [];
    for (const [mic, { process: venue }] of venues) {
      const venueOps = (await venue.logged((l) => l.msg === 'venue running', `venue ${mic} running`)).opsPort;
      expect((await ops(venueOps, '/healthz')).status).toBe(200);
      await waitFor(async () => ((await ops(venueOps, '/metrics')).text.includes(`venue_fix_session_logged_on{venue="${mic}"} 1`) ? true : undefined), `${mic}'s logged-on gauge`);
      const text = (await ops(venueOps, '/metrics')).text;
      expect(text).toContain('# TYPE venue_executions_total counter');
      if (new RegExp(`^venue_executions_total\\{venue="${mic}",exec_type="new"\\} [1-9]`, 'm').test(text)) acknowledging.push(mic);
    }
    expect(acknowledging.length).toBeGreaterThan(0);

    const before = seenCounts();
    expect(await active.stop()).toBe(0);
    await running(standby);
    await loggedOnEverywhere(before);
    for (const [name, { proxy }] of venues) {
      const seen = proxy.seen.slice(before.get(name));
      const up = seen.filter((s) => s.direction === 'up');
      const down = seen.filter((s) => s.direction === 'down');
      // The stopping gateway's Logout, answered; then the standby's Logon carries on the stored numbers each
      // way: no reset, and no gap either side has to ask about (a number not flushed at stop would make one).
      const logout = up.find((s) => s.msgType === '5')!;
      const answer = down.find((s) => s.msgType === '5')!;
      const logon = up.find((s) => s.msgType === 'A')!;
      const logonAnswer = down.find((s) => s.msgType === 'A')!;
      expect([logon.seq, logon.field(141)]).toEqual([logout.seq + 1, undefined]);
      expect(logonAnswer.seq).toBe(answer.seq + 1);
      expect(seen.filter((s) => s.msgType === '2')).toEqual([]);
    }
    expect(JSON.parse((await ops(standbyOps, '/healthz')).text)).toEqual({ status: 'ok', role: 'active' });
    const more = await placeMany(user.token, 3);
    await allTerminal(user.token, [...ids, ...more]);
    await expectExactlyOnce(user, [...ids, ...more]);
  });
});
