import { randomBytes } from 'node:crypto';
import type { Bus, BusMessage } from './port';
import { createInProcessBus, subjectMatches } from './in-process';
import { connectNatsBus } from './nats';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (message: BusMessage): string => new TextDecoder().decode(message.data);

type Adapter = { readonly name: string; open(): Promise<Bus> };
const adapters: Adapter[] = [
  { name: 'in-process', open: async () => createInProcessBus() },
  { name: 'nats', open: () => connectNatsBus({ servers: NATS_URL, subjectPrefix: `test.${randomBytes(4).toString('hex')}.`, name: 'bus-contract' }) },
];

describe.each(adapters)('Bus contract: $name', (adapter) => {
  let bus: Bus;
  beforeEach(async () => {
    bus = await adapter.open();
  });
  afterEach(async () => {
    await bus.close();
  });

  const record = (subject: string): BusMessage[] => {
    const received: BusMessage[] = [];
    bus.subscribe(subject, (message) => received.push(message));
    return received;
  };

  it('delivers a message to an exact subscriber with its subject and bytes, and nothing else', async () => {
    const aapl = record('md.quote.AAPL');
    const msft = record('md.quote.MSFT');
    await bus.flush();
    bus.publish('md.quote.AAPL', bytes('{"bid":"1.00"}'));
    await bus.flush();
    expect(aapl.map((m) => [m.subject, text(m)])).toEqual([['md.quote.AAPL', '{"bid":"1.00"}']]);
    expect(msft).toEqual([]);
  });

  it('matches * to exactly one token and > to one or more', async () => {
    const star = record('md.*.AAPL');
    const tail = record('md.>');
    await bus.flush();
    bus.publish('md.quote.AAPL', bytes('1'));
    bus.publish('md.trade.AAPL', bytes('2'));
    bus.publish('md.quote.AAPL.extra', bytes('3'));
    bus.publish('orders.acc-1', bytes('4'));
    await bus.flush();
    expect(star.map(text)).toEqual(['1', '2']);
    expect(tail.map(text)).toEqual(['1', '2', '3']);
  });

  it('keeps publish order for one subject and delivers to every subscriber', async () => {
    const first = record('orders.acc-1');
    const second = record('orders.acc-1');
    await bus.flush();
    for (let i = 0; i < 50; i += 1) bus.publish('orders.acc-1', bytes(String(i)));
    await bus.flush();
    const expected = Array.from({ length: 50 }, (_, i) => String(i));
    expect(first.map(text)).toEqual(expected);
    expect(second.map(text)).toEqual(expected);
  });

  it('stops delivering after unsubscribe, leaving other subscribers in place', async () => {
    const kept: BusMessage[] = [];
    const gone: BusMessage[] = [];
    bus.subscribe('md.book.TSLA', (m) => kept.push(m));
    const subscription = bus.subscribe('md.book.TSLA', (m) => gone.push(m));
    await bus.flush();
    bus.publish('md.book.TSLA', bytes('a'));
    await bus.flush();
    subscription.unsubscribe();
    await bus.flush();
    bus.publish('md.book.TSLA', bytes('b'));
    await bus.flush();
    expect(kept.map(text)).toEqual(['a', 'b']);
    expect(gone.map(text)).toEqual(['a']);
  });
});

describe('subjectMatches', () => {
  it.each([
    ['md.quote.*', 'md.quote.AAPL', true],
    ['md.quote.*', 'md.quote', false],
    ['md.quote.*', 'md.quote.A.B', false],
    ['md.>', 'md', false],
    ['md.>', 'md.quote.AAPL', true],
    ['md.quote.AAPL', 'md.quote.AAPLX', false],
  ])('%s against %s is %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern.split('.'), subject)).toBe(expected);
  });
});
