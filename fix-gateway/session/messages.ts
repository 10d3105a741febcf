/**
 * The FIX 4.4 application messages the gateway and the venue simulators exchange, as plain data.
 * This is the contract between the session layer (which encodes, stores, sequences and resends them)
 * and the execution engine and venues (which decide what to send and what a received one means).
 * Prices and quantities are decimal strings, as everywhere else; times are epoch milliseconds.
 */

export type FixSide = 'buy' | 'sell';
export type FixOrdType = 'market' | 'limit' | 'stop' | 'stop_limit';
export type FixTimeInForce = 'day' | 'gtc' | 'ioc' | 'fok';

/** 35=D */
export type NewOrderSingle = {
  readonly msgType: 'NewOrderSingle';
  readonly clOrdId: string;
  readonly symbol: string;
  readonly side: FixSide;
  readonly ordType: FixOrdType;
  /** Shares, up to 6 dp (38 OrderQty); absent for a cash-quantity order. */
  readonly orderQty?: string;
  /** 152 CashOrderQty, for notional orders at venues that take them. */
  readonly cashOrderQty?: string;
  readonly price?: string;
  readonly stopPx?: string;
  readonly timeInForce: FixTimeInForce;
  readonly transactTimeMs: number;
};

/** 35=F */
export type OrderCancelRequest = {
  readonly msgType: 'OrderCancelRequest';
  readonly clOrdId: string;
  readonly origClOrdId: string;
  readonly symbol: string;
  readonly side: FixSide;
  readonly orderQty: string;
  readonly transactTimeMs: number;
};

/** 35=G */
export type OrderCancelReplaceRequest = {
  readonly msgType: 'OrderCancelReplaceRequest';
  readonly clOrdId: string;
  readonly origClOrdId: string;
  readonly symbol: string;
  readonly side: FixSide;
  readonly ordType: FixOrdType;
  readonly orderQty: string;
  readonly price?: string;
  readonly stopPx?: string;
  readonly timeInForce: FixTimeInForce;
  readonly transactTimeMs: number;
};

/** 150 ExecType, as names. */
export type FixExecType = 'new' | 'partial_fill' | 'fill' | 'canceled' | 'replaced' | 'rejected' | 'expired' | 'pending_cancel' | 'pending_replace';
/** 39 OrdStatus, as names. */
export type FixOrdStatus = 'new' | 'partially_filled' | 'filled' | 'canceled' | 'replaced' | 'rejected' | 'expired' | 'pending_cancel' | 'pending_replace';

/** 35=8 */
export type ExecutionReport = {
  readonly msgType: 'ExecutionReport';
  readonly orderId: string;
  readonly clOrdId: string;
  readonly origClOrdId?: string;
  /** 17 ExecID: unique per venue; the fill's event id derives from it. */
  readonly execId: string;
  readonly execType: FixExecType;
  readonly ordStatus: FixOrdStatus;
  readonly symbol: string;
  readonly side: FixSide;
  /** 32 LastQty and 31 LastPx: this execution's fill, present on partial_fill and fill. */
  readonly lastQty?: string;
  readonly lastPx?: string;
  readonly leavesQty: string;
  readonly cumQty: string;
  readonly avgPx: string;
  readonly text?: string;
  readonly transactTimeMs: number;
};

/** 35=9 */
export type OrderCancelReject = {
  readonly msgType: 'OrderCancelReject';
  readonly orderId: string;
  readonly clOrdId: string;
  readonly origClOrdId: string;
  readonly ordStatus: FixOrdStatus;
  /** 434: cancel (F) or replace (G). */
  readonly responseTo: 'cancel' | 'replace';
  readonly text?: string;
};

export type FixAppMessage = NewOrderSingle | OrderCancelRequest | OrderCancelReplaceRequest | ExecutionReport | OrderCancelReject;

/**
 * One FIX session as its user sees it. `send` resolves once the message is stored durably with its
 * sequence number and written to the socket (or queued for the next logon, which resends it);
 * received application messages arrive in sequence order, each once (PossDup repeats are dropped).
 */
export interface FixSession {
  readonly name: string;
  send(message: FixAppMessage): Promise<void>;
  onMessage(handler: (message: FixAppMessage) => Promise<void>): void;
  isLoggedOn(): boolean;
  close(): Promise<void>;
}
