import * as E from 'fp-ts/Either';
import { parseUtcTimestamp, type DecodedFix, type FixFields } from './codec';
import type { ExecutionReport, FixAppMessage, FixExecType, FixOrdStatus, FixOrdType, FixSide, FixTimeInForce } from './messages';

/**
 * messages.ts ⇄ standard FIX 4.4 fields. Only dictionary fields, no user-defined tags; Symbol sits in the
 * Instrument component and OrderQty / CashOrderQty in OrderQtyData, as the 4.4 dictionary places them.
 */
export const APP_MSG_TYPES = { NewOrderSingle: 'D', OrderCancelRequest: 'F', OrderCancelReplaceRequest: 'G', ExecutionReport: '8', OrderCancelReject: '9' } as const;

const SIDE: Record<FixSide, string> = { buy: '1', sell: '2' };
const ORD_TYPE: Record<FixOrdType, string> = { market: '1', limit: '2', stop: '3', stop_limit: '4' };
const TIME_IN_FORCE: Record<FixTimeInForce, string> = { day: '0', gtc: '1', ioc: '3', fok: '4' };
/** FIX 4.4 reports every execution as ExecType F (Trade); OrdStatus says whether it completed the order. */
const EXEC_TYPE: Record<FixExecType, string> = {
  new: '0', partial_fill: 'F', fill: 'F', canceled: '4', replaced: '5', rejected: '8', expired: 'C', pending_cancel: '6', pending_replace: 'E',
};
const ORD_STATUS: Record<FixOrdStatus, string> = {
  new: '0', partially_filled: '1', filled: '2', canceled: '4', replaced: '5', rejected: '8', expired: 'C', pending_cancel: '6', pending_replace: 'E',
};
const RESPONSE_TO = { cancel: '1', replace: '2' } as const;

const invert = <K extends string>(map: Record<K, string>): Map<string, K> => new Map(Object.entries(map).map(([k, v]) => [v as string, k as K]));
const SIDE_OF = invert(SIDE);
const ORD_TYPE_OF = invert(ORD_TYPE);
const TIME_IN_FORCE_OF = invert(TIME_IN_FORCE);
const ORD_STATUS_OF = invert(ORD_STATUS);
// Older acceptors still send 4.2's 1 (partial) and 2 (fill); both read as executions.
const EXEC_TYPE_OF = new Map<string, FixExecType>([['0', 'new'], ['1', 'partial_fill'], ['2', 'fill'], ['4', 'canceled'], ['5', 'replaced'], ['8', 'rejected'], ['C', 'expired'], ['6', 'pending_cancel'], ['E', 'pending_replace']]);

const instrument = (symbol: string): FixFields => ({ Symbol: symbol });
const time = (ms: number): Date => new Date(ms);

/** The body fields of an application message, with the dictionary's message name. */
export const toFixBody = (message: FixAppMessage): { readonly msgType: string; readonly name: string; readonly body: FixFields } => {
  switch (message.msgType) {
    case 'NewOrderSingle':
      return { msgType: APP_MSG_TYPES.NewOrderSingle, name: 'NewOrderSingle', body: {
        ClOrdID: message.clOrdId, Instrument: instrument(message.symbol), Side: SIDE[message.side], TransactTime: time(message.transactTimeMs),
        OrderQtyData: message.orderQty !== undefined ? { OrderQty: message.orderQty } : { CashOrderQty: message.cashOrderQty },
        OrdType: ORD_TYPE[message.ordType], Price: message.price, StopPx: message.stopPx, TimeInForce: TIME_IN_FORCE[message.timeInForce],
      } };
    case 'OrderCancelRequest':
      return { msgType: APP_MSG_TYPES.OrderCancelRequest, name: 'OrderCancelRequest', body: {
        OrigClOrdID: message.origClOrdId, ClOrdID: message.clOrdId, Instrument: instrument(message.symbol), Side: SIDE[message.side],
        TransactTime: time(message.transactTimeMs), OrderQtyData: { OrderQty: message.orderQty },
      } };
    case 'OrderCancelReplaceRequest':
      return { msgType: APP_MSG_TYPES.OrderCancelReplaceRequest, name: 'OrderCancelReplaceRequest', body: {
        OrigClOrdID: message.origClOrdId, ClOrdID: message.clOrdId, Instrument: instrument(message.symbol), Side: SIDE[message.side],
        TransactTime: time(message.transactTimeMs), OrderQtyData: { OrderQty: message.orderQty }, OrdType: ORD_TYPE[message.ordType],
        Price: message.price, StopPx: message.stopPx, TimeInForce: TIME_IN_FORCE[message.timeInForce],
      } };
    case 'ExecutionReport':
      return { msgType: APP_MSG_TYPES.ExecutionReport, name: 'ExecutionReport', body: {
        OrderID: message.orderId, ClOrdID: message.clOrdId, OrigClOrdID: message.origClOrdId, ExecID: message.execId,
        ExecType: EXEC_TYPE[message.execType], OrdStatus: ORD_STATUS[message.ordStatus], Instrument: instrument(message.symbol),
        Side: SIDE[message.side], LastQty: message.lastQty, LastPx: message.lastPx, LeavesQty: message.leavesQty, CumQty: message.cumQty,
        AvgPx: message.avgPx, TransactTime: time(message.transactTimeMs), Text: message.text,
      } };
    case 'OrderCancelReject':
      return { msgType: APP_MSG_TYPES.OrderCancelReject, name: 'OrderCancelReject', body: {
        OrderID: message.orderId, ClOrdID: message.clOrdId, OrigClOrdID: message.origClOrdId, OrdStatus: ORD_STATUS[message.ordStatus],
        CxlRejResponseTo: RESPONSE_TO[message.responseTo], Text: message.text,
      } };
  }
};

/** Why a received application message cannot be read; the session answers with a Reject (35=3). */
export type AppDecodeFailure = { readonly tag: number; readonly reason: 'missing' | 'invalid'; readonly detail: string };

const DECIMAL = /^\d{1,12}(\.\d{1,8})?$/;

class Reader {
  constructor(private readonly message: DecodedFix) {}
  failure: AppDecodeFailure | undefined;

  private fail(tag: number, reason: AppDecodeFailure['reason'], detail: string): undefined {
    this.failure ??= { tag, reason, detail };
    return undefined;
  }
  optional(tag: number): string | undefined {
    const value = this.message.field(tag);
    return value === '' ? undefined : value;
  }
  text(tag: number): string {
    return this.optional(tag) ?? this.fail(tag, 'missing', `tag ${tag} is required`) ?? '';
  }
  decimalOptional(tag: number): string | undefined {
    const value = this.optional(tag);
    if (value === undefined) return undefined;
    return DECIMAL.test(value) ? value : this.fail(tag, 'invalid', `tag ${tag} is not a decimal: ${value}`);
  }
  decimal(tag: number): string {
    return this.decimalOptional(tag) ?? this.fail(tag, 'missing', `tag ${tag} is required`) ?? '0';
  }
  code<K>(tag: number, map: Map<string, K>): K {
    const value = this.text(tag);
    return map.get(value) ?? (this.fail(tag, 'invalid', `tag ${tag} has unsupported value ${value}`) as K);
  }
  codeOptional<K>(tag: number, map: Map<string, K>): K | undefined {
    return this.optional(tag) === undefined ? undefined : this.code(tag, map);
  }
  /** TransactTime, or when a venue leaves it out, when the message was sent. */
  transactTimeMs(): number {
    const text = this.optional(60);
    if (text === undefined) return this.message.sendingTimeMs;
    return parseUtcTimestamp(text) ?? this.fail(60, 'invalid', `TransactTime ${text} is not a UTCTimestamp`) ?? 0;
  }
}

const finish = <M extends FixAppMessage>(reader: Reader, message: M): E.Either<AppDecodeFailure, M> =>
  reader.failure === undefined ? E.right(message) : E.left(reader.failure);

const withoutUndefined = <M extends object>(message: M): M =>
  Object.fromEntries(Object.entries(message).filter(([, value]) => value !== undefined)) as M;

const executionType = (r: Reader, ordStatus: FixOrdStatus): FixExecType => {
  const raw = r.optional(150);
  if (raw === 'F') return ordStatus === 'filled' ? 'fill' : 'partial_fill';
  return r.code(150, EXEC_TYPE_OF);
};

/** The application message a received FIX message carries; undefined for a message type we do not take. */
export const fromFix = (message: DecodedFix): E.Either<AppDecodeFailure, FixAppMessage> | undefined => {
  const r = new Reader(message);
  switch (message.msgType) {
    case APP_MSG_TYPES.NewOrderSingle:
      return finish(r, withoutUndefined({
        msgType: 'NewOrderSingle' as const, clOrdId: r.text(11), symbol: r.text(55), side: r.code(54, SIDE_OF), ordType: r.code(40, ORD_TYPE_OF),
        orderQty: r.decimalOptional(38), cashOrderQty: r.decimalOptional(152), price: r.decimalOptional(44), stopPx: r.decimalOptional(99),
        timeInForce: r.codeOptional(59, TIME_IN_FORCE_OF) ?? 'day', transactTimeMs: r.transactTimeMs(),
      }));
    case APP_MSG_TYPES.OrderCancelRequest:
      return finish(r, {
        msgType: 'OrderCancelRequest' as const, clOrdId: r.text(11), origClOrdId: r.text(41), symbol: r.text(55), side: r.code(54, SIDE_OF),
        orderQty: r.decimal(38), transactTimeMs: r.transactTimeMs(),
      });
    case APP_MSG_TYPES.OrderCancelReplaceRequest:
      return finish(r, withoutUndefined({
        msgType: 'OrderCancelReplaceRequest' as const, clOrdId: r.text(11), origClOrdId: r.text(41), symbol: r.text(55), side: r.code(54, SIDE_OF),
        ordType: r.code(40, ORD_TYPE_OF), orderQty: r.decimal(38), price: r.decimalOptional(44), stopPx: r.decimalOptional(99),
        timeInForce: r.codeOptional(59, TIME_IN_FORCE_OF) ?? 'day', transactTimeMs: r.transactTimeMs(),
      }));
    case APP_MSG_TYPES.ExecutionReport: {
      const ordStatus = r.code(39, ORD_STATUS_OF);
      const report: ExecutionReport = withoutUndefined({
        msgType: 'ExecutionReport' as const, orderId: r.text(37), clOrdId: r.text(11), origClOrdId: r.optional(41), execId: r.text(17),
        execType: executionType(r, ordStatus), ordStatus, symbol: r.text(55), side: r.code(54, SIDE_OF), lastQty: r.decimalOptional(32),
        lastPx: r.decimalOptional(31), leavesQty: r.decimal(151), cumQty: r.decimal(14), avgPx: r.decimal(6), text: r.optional(58),
        transactTimeMs: r.transactTimeMs(),
      });
      return finish(r, report);
    }
    case APP_MSG_TYPES.OrderCancelReject:
      return finish(r, withoutUndefined({
        msgType: 'OrderCancelReject' as const, orderId: r.text(37), clOrdId: r.text(11), origClOrdId: r.text(41), ordStatus: r.code(39, ORD_STATUS_OF),
        responseTo: r.optional(434) === '2' ? 'replace' as const : 'cancel' as const, text: r.optional(58),
      }));
    default:
      return undefined;
  }
};
