import * as E from 'fp-ts/Either';
import { fromFix, toFixBody } from './app-messages';
import { FixCodec, formatUtcTimestamp, parseUtcTimestamp } from './codec';
import { FixFramer, checksumOf } from './framing';
import type { FixAppMessage } from './messages';

const header = (msgType: string, msgSeqNum = 7) => ({ msgType, senderCompId: 'BROKER', targetCompId: 'XNAS', msgSeqNum, sendingTimeMs: Date.UTC(2026, 0, 5, 14, 30, 0, 123) });
const T = Date.UTC(2026, 0, 5, 14, 29, 59, 500);
const pipes = (frame: Buffer): string => frame.toString('latin1').split('\x01').join('|');

const encodeApp = (codec: FixCodec, message: FixAppMessage, seq = 7): Buffer => {
  const { msgType, name, body } = toFixBody(message);
  return codec.encode(header(msgType, seq), name, body);
};

const roundTrip = (codec: FixCodec, message: FixAppMessage): FixAppMessage => {
  const [event] = new FixFramer().push(encodeApp(codec, message));
  if (event?.kind !== 'frame') throw new Error('not framed');
  const decoded = fromFix(codec.decode(event.frame));
  if (decoded === undefined || E.isLeft(decoded)) throw new Error(`not decoded: ${JSON.stringify(decoded)}`);
  return decoded.right;
};

describe('FIX 4.4 codec (jspurefix dictionary, encoder and parser)', () => {
  let codec: FixCodec;
  beforeAll(async () => { codec = await FixCodec.create(); });

  it('encodes a NewOrderSingle byte for byte as hand-checked, with its BodyLength and CheckSum', () => {
    const frame = encodeApp(codec, { msgType: 'NewOrderSingle', clOrdId: 'ord-1.0', symbol: 'AAPL', side: 'buy', ordType: 'limit', orderQty: '1.5', price: '123.45', timeInForce: 'day', transactTimeMs: T });
    const body = '35=D|49=BROKER|56=XNAS|34=7|52=20260105-14:30:00.123|11=ord-1.0|55=AAPL|54=1|60=20260105-14:29:59.500|38=1.5|40=2|44=123.45|59=0|';
    // Hand-counted: BodyLength is the bytes from 35= through the SOH before 10=.
    expect(body.length).toBe(129);
    // CheckSum: the byte sum of everything before 10=, mod 256, computed outside this code base.
    expect(pipes(frame)).toBe(`8=FIX.4.4|9=129|${body}10=228|`);
  });

  it('decodes a hand-written ExecutionReport from an outside acceptor, decimals kept as text', () => {
    const body = '35=8|49=XNAS|56=BROKER|34=12|52=20260105-14:30:01.002|37=V-9|11=ord-1.0|17=E-77|150=F|39=1|55=MSFT|54=2|32=0.333333|31=411.1234|151=0.666667|14=0.333333|6=411.1234|60=20260105-14:30:01|';
    const raw = `8=FIX.4.4|9=${body.length}|${body}`.replace(/\|/g, '\x01');
    const frame = Buffer.from(`${raw}10=${String(checksumOf(Buffer.from(raw, 'latin1'))).padStart(3, '0')}\x01`, 'latin1');
    const [event] = new FixFramer().push(frame);
    expect(event?.kind).toBe('frame');
    const decoded = codec.decode(frame);
    expect(decoded).toMatchObject({ msgType: '8', msgSeqNum: 12, senderCompId: 'XNAS', possDup: false, sendingTimeMs: Date.UTC(2026, 0, 5, 14, 30, 1, 2) });
    expect(fromFix(decoded)).toEqual(E.right({
      msgType: 'ExecutionReport', orderId: 'V-9', clOrdId: 'ord-1.0', execId: 'E-77', execType: 'partial_fill', ordStatus: 'partially_filled',
      symbol: 'MSFT', side: 'sell', lastQty: '0.333333', lastPx: '411.1234', leavesQty: '0.666667', cumQty: '0.333333', avgPx: '411.1234',
      transactTimeMs: Date.UTC(2026, 0, 5, 14, 30, 1),
    }));
  });

  it.each<FixAppMessage>([
    { msgType: 'NewOrderSingle', clOrdId: 'a', symbol: 'BRK.B', side: 'sell', ordType: 'stop_limit', orderQty: '10', price: '400.5', stopPx: '401', timeInForce: 'gtc', transactTimeMs: T },
    { msgType: 'NewOrderSingle', clOrdId: 'b', symbol: 'AAPL', side: 'buy', ordType: 'market', cashOrderQty: '50.00', timeInForce: 'ioc', transactTimeMs: T },
    { msgType: 'NewOrderSingle', clOrdId: 'c', symbol: 'AAPL', side: 'buy', ordType: 'stop', orderQty: '3', stopPx: '190.01', timeInForce: 'fok', transactTimeMs: T },
    { msgType: 'OrderCancelRequest', clOrdId: 'a.1', origClOrdId: 'a', symbol: 'AAPL', side: 'buy', orderQty: '2', transactTimeMs: T },
    { msgType: 'OrderCancelReplaceRequest', clOrdId: 'a.2', origClOrdId: 'a.1', symbol: 'AAPL', side: 'buy', ordType: 'limit', orderQty: '4', price: '99.99', timeInForce: 'day', transactTimeMs: T },
    { msgType: 'ExecutionReport', orderId: 'o', clOrdId: 'a', execId: 'x1', execType: 'new', ordStatus: 'new', symbol: 'AAPL', side: 'buy', leavesQty: '2', cumQty: '0', avgPx: '0', transactTimeMs: T },
    { msgType: 'ExecutionReport', orderId: 'o', clOrdId: 'a', execId: 'x2', execType: 'fill', ordStatus: 'filled', symbol: 'AAPL', side: 'buy', lastQty: '2', lastPx: '10.01', leavesQty: '0', cumQty: '2', avgPx: '10.01', transactTimeMs: T },
    { msgType: 'ExecutionReport', orderId: 'o', clOrdId: 'a.2', origClOrdId: 'a.1', execId: 'x3', execType: 'replaced', ordStatus: 'replaced', symbol: 'AAPL', side: 'buy', leavesQty: '4', cumQty: '0', avgPx: '0', transactTimeMs: T },
    { msgType: 'ExecutionReport', orderId: 'o', clOrdId: 'a', execId: 'x4', execType: 'rejected', ordStatus: 'rejected', symbol: 'AAPL', side: 'buy', leavesQty: '0', cumQty: '0', avgPx: '0', text: 'DUPLICATE_CLORDID', transactTimeMs: T },
    { msgType: 'ExecutionReport', orderId: 'o', clOrdId: 'a', execId: 'x5', execType: 'expired', ordStatus: 'expired', symbol: 'AAPL', side: 'buy', leavesQty: '0', cumQty: '1', avgPx: '10', transactTimeMs: T },
    { msgType: 'ExecutionReport', orderId: 'o', clOrdId: 'a.1', origClOrdId: 'a', execId: 'x6', execType: 'canceled', ordStatus: 'canceled', symbol: 'AAPL', side: 'buy', leavesQty: '0', cumQty: '1', avgPx: '10', transactTimeMs: T },
    { msgType: 'OrderCancelReject', orderId: 'o', clOrdId: 'a.1', origClOrdId: 'a', ordStatus: 'filled', responseTo: 'cancel', text: 'TOO_LATE_TO_CANCEL' },
    { msgType: 'OrderCancelReject', orderId: 'o', clOrdId: 'a.2', origClOrdId: 'a', ordStatus: 'filled', responseTo: 'replace' },
  ])('round-trips %p', (message) => {
    expect(roundTrip(codec, message)).toEqual(message);
  });

  it('marks a resend with PossDupFlag=Y and OrigSendingTime, keeping the sequence number', () => {
    const { msgType, name, body } = toFixBody({ msgType: 'OrderCancelRequest', clOrdId: 'a.1', origClOrdId: 'a', symbol: 'AAPL', side: 'buy', orderQty: '2', transactTimeMs: T });
    const frame = codec.encode({ ...header(msgType, 3), origSendingTimeMs: T }, name, body);
    expect(pipes(frame)).toContain('|34=3|43=Y|52=20260105-14:30:00.123|122=20260105-14:29:59.500|');
    expect(codec.decode(frame)).toMatchObject({ msgSeqNum: 3, possDup: true, origSendingTimeMs: T });
  });

  it('refuses an application message that lacks a required field or carries a bad value, naming the tag', () => {
    const frame = Buffer.from(pipes(encodeApp(codec, { msgType: 'OrderCancelRequest', clOrdId: 'a.1', origClOrdId: 'a', symbol: 'AAPL', side: 'buy', orderQty: '2', transactTimeMs: T })).replace('|41=a|', '|').replace(/\|/g, '\x01'), 'latin1');
    expect(fromFix(codec.decode(frame))).toEqual(E.left({ tag: 41, reason: 'missing', detail: 'tag 41 is required' }));
    const bad = Buffer.from(pipes(encodeApp(codec, { msgType: 'NewOrderSingle', clOrdId: 'x', symbol: 'AAPL', side: 'buy', ordType: 'limit', orderQty: '1', price: '12.5', timeInForce: 'day', transactTimeMs: T })).replace('|44=12.5|', '|44=1e3|').replace(/\|/g, '\x01'), 'latin1');
    expect(fromFix(codec.decode(bad))).toEqual(E.left({ tag: 44, reason: 'invalid', detail: 'tag 44 is not a decimal: 1e3' }));
  });

  it('frames a stream split anywhere, and drops a message whose CheckSum or BodyLength is wrong', () => {
    const one = encodeApp(codec, { msgType: 'OrderCancelRequest', clOrdId: 'a.1', origClOrdId: 'a', symbol: 'AAPL', side: 'buy', orderQty: '2', transactTimeMs: T }, 1);
    const two = encodeApp(codec, { msgType: 'OrderCancelRequest', clOrdId: 'b.1', origClOrdId: 'b', symbol: 'AAPL', side: 'buy', orderQty: '2', transactTimeMs: T }, 2);
    const badChecksum = Buffer.from(one);
    badChecksum[badChecksum.length - 2] = badChecksum[badChecksum.length - 2] === 0x30 ? 0x31 : 0x30;
    const badLength = Buffer.from(pipes(one).replace(/\|9=\d+\|/, '|9=50|').replace(/\|/g, '\x01'), 'latin1');
    const stream = Buffer.concat([one, badChecksum, badLength, two]);
    for (const split of [1, 17, one.length, stream.length - 3]) {
      const framer = new FixFramer();
      const events = [...framer.push(stream.subarray(0, split)), ...framer.push(stream.subarray(split))];
      expect(events.filter((e) => e.kind === 'frame').map((e) => (e.kind === 'frame' ? codec.decode(e.frame).msgSeqNum : 0))).toEqual([1, 2]);
      expect(events.filter((e) => e.kind === 'garbled')).toHaveLength(2);
    }
  });

  it('writes and reads UTCTimestamps with milliseconds', () => {
    expect(formatUtcTimestamp(T)).toBe('20260105-14:29:59.500');
    expect(parseUtcTimestamp('20260105-14:29:59')).toBe(Date.UTC(2026, 0, 5, 14, 29, 59));
    expect(parseUtcTimestamp('2026-01-05')).toBeUndefined();
  });
});
