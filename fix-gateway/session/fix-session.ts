import type { Socket } from 'node:net';
import * as E from 'fp-ts/Either';
import type { Logger } from 'pino';
import { invariant } from '../../domain/invariant';
import * as admin from './admin-messages';
import { fromFix, toFixBody } from './app-messages';
import { FixDecodeError, type DecodedFix, type FixCodec, type FixFields } from './codec';
import { FixFramer } from './framing';
import type { FixAppMessage, FixSession } from './messages';
import { SequenceConflictError, type FixSessionStore, type StoredOutgoing } from './session-store';

/** Sends stored and written per store round trip, so a burst of orders costs one commit, not one each. */
export const SEND_BATCH_MAX = 500;
/** Received messages waiting to be handled before the socket is paused (TCP pushes back on the sender). */
export const RECEIVE_QUEUE_MAX = 1_000;
/** No message for this many heartbeat intervals: ask with a TestRequest; twice that: the link is dead. */
const TEST_REQUEST_AFTER_INTERVALS = 1.5;
const DISCONNECT_AFTER_INTERVALS = 3;
/**
 * The next target sequence number is stored at most this often while messages flow (close and Logout store
 * it at once). Behind is safe: a restart asks for the messages after the stored number again, and handlers
 * are idempotent; storing it after every batch cost a statement per batch on both sides of a busy session.
 */
export const TARGET_SEQ_SAVE_EVERY_MS = 100;
/** How long close() waits for the counterparty's Logout before dropping the socket. */
export const LOGOUT_WAIT_MS = 2_000;

export type FixSessionConfig = {
  /** The key of its sequence numbers and sent messages in the store. */
  readonly name: string;
  readonly senderCompId: string;
  readonly targetCompId: string;
  readonly heartbeatIntervalS: number;
  readonly role: 'initiator' | 'acceptor';
  /**
   * Application messages handed to the handler before the first of them finishes (default 1: one at a
   * time). Above 1 the handler must keep its own order where order matters (the gateway's fill intake
   * serializes per order); the handler is still called in sequence-number order.
   */
  readonly handlingConcurrency?: number;
  /**
   * An initiator that logs on with ResetSeqNumFlag=Y (141): at every logon both sides start again at 1
   * and the messages stored so far are never resent. For counterparties that reset daily by agreement.
   */
  readonly resetOnLogon?: boolean;
};

/** An application message given to the handler, until it is handled (or its handler failed). */
type Handling = { readonly seq: number; state: 'running' | 'done' | 'failed' };

type Outgoing = {
  readonly seq: number;
  readonly msgType: string;
  readonly name: string;
  readonly body: FixFields;
  readonly app?: FixAppMessage;
  /** Application messages wait for logon (the counterparty's ResendRequest fetches them); admin ones go now. */
  readonly needsLogon: boolean;
  readonly done: { resolve(): void; reject(error: unknown): void };
};
type Resend = { readonly resend: readonly Buffer[]; readonly done: { resolve(): void; reject(error: unknown): void } };

type Connection = {
  readonly socket: Socket;
  readonly framer: FixFramer;
  loggedOn: boolean;
  /** The sequence number of this side's Logout on this connection (sent or answered), once there is one. */
  logoutSeq?: number;
  lastSentMs: number;
  lastReceivedMs: number;
  /** The heartbeat interval in force: the initiator's own; an acceptor takes the initiator's HeartBtInt. */
  heartbeatMs: number;
  /** This side asked for a sequence reset in its Logon on this connection. */
  resetRequested: boolean;
  testRequestId?: string;
  timer?: NodeJS.Timeout;
  readonly closed: Promise<void>;
};

/** A send after close() or abandon(): an operating condition (the lease moved), not a bug. */
export class SessionClosedError extends Error {
  override readonly name = 'SessionClosedError';
  constructor(readonly session: string) {
    super(`FIX session ${session} is closed in this process`);
  }
}

/**
 * One FIX 4.4 session, initiator or acceptor, over whichever TCP socket is attached to it. It owns the
 * sequence numbers (stored before a message leaves), answers ResendRequests from the store (application
 * messages again with PossDupFlag=Y and OrigSendingTime; admin ones as a gap fill), asks for a resend when
 * it sees a gap, drops PossDup duplicates, and keeps the link alive with heartbeats and test requests.
 * Reconnecting is the attacher's job (initiator.ts, acceptor.ts).
 */
export class FixSessionEngine implements FixSession {
  readonly name: string;
  private nextSenderSeq = 0;
  private nextTargetSeq = 0;
  /** Highest sequence number received while a gap is open; the gap closes when nextTargetSeq passes it. */
  private gapOpenThrough = 0;
  private handler: (message: FixAppMessage) => Promise<void> = async () => undefined;
  private connection: Connection | undefined;
  private readonly outbox: (Outgoing | Resend)[] = [];
  private draining: Promise<void> | undefined;
  private receiving: Promise<void> = Promise.resolve();
  private receiveQueued = 0;
  private targetSeqDirty = false;
  private targetSeqWriting: Promise<void> | undefined;
  private targetSeqWrites: Promise<void> = Promise.resolve();
  private targetSeqWrittenAtMs = Number.NEGATIVE_INFINITY;
  private targetSeqTimer: NodeJS.Timeout | undefined;
  private closing = false;
  /** The last sequence number written to a socket: anything stored above it waits for a resend request. */
  private lastWrittenSeq = 0;
  private reloadBeforeNextLogon = false;
  private testRequestCount = 0;
  private readonly logonWaiters: (() => void)[] = [];
  /** In sequence order; the first entry not done is the lowest message that a restart must see again. */
  private readonly handling: Handling[] = [];
  private readonly handlers = new Set<Promise<void>>();
  private handlerSlotFreed: (() => void) | undefined;

  constructor(
    readonly config: FixSessionConfig,
    private readonly store: FixSessionStore,
    private readonly codec: FixCodec,
    private readonly logger: Logger,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.name = config.name;
  }

  /**
   * Reads the sequence numbers from the store: from then on this process owns the session (the lease says
   * so) and its counters only move forward, so memory is never behind the store. A sequence number consumed
   * by a failed store write is simply skipped; the counterparty's resend request gets a gap fill.
   */
  async load(): Promise<void> {
    const stored = await this.store.load(this.name);
    this.nextSenderSeq = stored.nextSenderSeq;
    this.nextTargetSeq = stored.nextTargetSeq;
  }

  onMessage(handler: (message: FixAppMessage) => Promise<void>): void {
    this.handler = handler;
  }

  isLoggedOn(): boolean {
    return this.connection?.loggedOn === true;
  }

  isConnected(): boolean {
    return this.connection !== undefined;
  }

  /** Resolves at the next logon (now, when logged on). */
  loggedOn(): Promise<void> {
    return this.isLoggedOn() ? Promise.resolve() : new Promise((resolve) => this.logonWaiters.push(resolve));
  }

  sequences(): { readonly nextSenderSeq: number; readonly nextTargetSeq: number } {
    return { nextSenderSeq: this.nextSenderSeq, nextTargetSeq: this.nextTargetSeq };
  }

  send(message: FixAppMessage): Promise<void> {
    invariant(this.nextSenderSeq > 0, `session ${this.name} has not loaded its sequence numbers`);
    const { msgType, name, body } = toFixBody(message);
    return this.enqueue(msgType, name, body, message);
  }

  /**
   * Takes a freshly connected socket. The initiator sends its Logon; the acceptor passes the bytes it
   * already read (holding the counterparty's Logon). Resolves when that socket closes.
   */
  async attach(socket: Socket, alreadyRead?: Buffer): Promise<void> {
    invariant(this.connection === undefined, `session ${this.name} already has a connection`);
    if (this.closing) { socket.destroy(); return; }
    invariant(this.nextSenderSeq > 0, `session ${this.name} has not loaded its sequence numbers`);
    await this.settleHandlers();
    if (this.reloadBeforeNextLogon) {
      this.reloadBeforeNextLogon = false;
      await this.load();
    }
    this.gapOpenThrough = 0;
    let closedResolve: () => void = () => undefined;
    const connection: Connection = {
      socket, framer: new FixFramer(), loggedOn: false, lastSentMs: this.nowMs(), lastReceivedMs: this.nowMs(),
      heartbeatMs: this.config.heartbeatIntervalS * 1000, resetRequested: false,
      closed: new Promise((resolve) => { closedResolve = resolve; }),
    };
    this.connection = connection;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(connection, chunk));
    socket.on('error', (error) => this.logger.warn({ session: this.name, err: error }, 'fix socket error'));
    // The counterparty's FIN: Node ends this half too (no half-open sockets), so nothing more can be written.
    socket.on('end', () => this.stopTimer(connection));
    socket.on('close', () => {
      this.stopTimer(connection);
      if (this.connection === connection) this.connection = undefined;
      this.logger.info({ session: this.name, ...this.sequences() }, 'fix session disconnected');
      closedResolve();
    });
    if (socket.destroyed) closedResolve();
    this.startTimer(connection);
    if (this.config.role === 'initiator') {
      if (this.config.resetOnLogon === true) {
        await this.resetSequences({ nextSenderSeq: 1, nextTargetSeq: 1 });
        connection.resetRequested = true;
      }
      void this.enqueue('A', 'Logon', admin.logon(this.config.heartbeatIntervalS, connection.resetRequested).body).catch(() => undefined);
    }
    if (alreadyRead !== undefined && alreadyRead.length > 0) this.onData(connection, alreadyRead);
    await connection.closed;
  }

  private startTimer(connection: Connection): void {
    this.stopTimer(connection);
    connection.timer = setInterval(() => this.onTimer(connection), Math.max(50, connection.heartbeatMs / 4));
  }

  private stopTimer(connection: Connection): void {
    if (connection.timer !== undefined) clearInterval(connection.timer);
    connection.timer = undefined;
  }

  /**
   * After the Logout exchange: ends this half of the connection, and drops it if the counterparty never
   * closes its half. Nothing is written after this (write() checks); a later send is stored for the resend.
   */
  private endConnection(connection: Connection): void {
    this.stopTimer(connection);
    connection.socket.end();
    setTimeout(() => connection.socket.destroy(), LOGOUT_WAIT_MS).unref();
  }

  /** Both sequence numbers set outright, stored first; what was sent before is archived, never resent. */
  private async resetSequences(sequences: { readonly nextSenderSeq: number; readonly nextTargetSeq: number }): Promise<void> {
    const unwritten = this.nextSenderSeq - 1 - this.lastWrittenSeq;
    if (unwritten > 0) this.logger.warn({ session: this.name, unwritten }, 'sequence reset: messages stored but never written are not resent');
    await this.store.reset(this.name, sequences);
    this.nextSenderSeq = sequences.nextSenderSeq;
    this.nextTargetSeq = sequences.nextTargetSeq;
    this.lastWrittenSeq = sequences.nextSenderSeq - 1;
    this.gapOpenThrough = 0;
    this.targetSeqDirty = false;
    this.logger.info({ session: this.name, ...sequences }, 'fix sequence numbers reset');
  }

  /** Drops the TCP connection without a Logout (a fault, or a test's cable pull). */
  dropConnection(): void {
    this.connection?.socket.destroy();
  }

  /**
   * Stops at once without a word to the counterparty: the lease is gone and another process may own the
   * session now, so this one must not use another sequence number. Unsent messages stay in the store.
   */
  abandon(): void {
    this.closing = true;
    this.connection?.socket.destroy();
  }

  /** Logout, then close; nothing is sent afterwards. Messages not yet sent stay stored for the next run. */
  async close(): Promise<void> {
    if (this.closing) return;
    const connection = this.connection;
    if (connection?.loggedOn) {
      // Already answered the counterparty's Logout: a second one would take a sequence number for nothing.
      if (connection.logoutSeq === undefined) await this.sendLogout(connection);
      const timeout = setTimeout(() => connection.socket.destroy(), LOGOUT_WAIT_MS);
      await connection.closed;
      clearTimeout(timeout);
    }
    this.closing = true;
    this.connection?.socket.destroy();
    await this.draining?.catch(() => undefined);
    await this.receiving;
    await Promise.allSettled([...this.handlers]);
    clearTimeout(this.targetSeqTimer);
    this.targetSeqTimer = undefined;
    await this.targetSeqWriting;
    await this.flushTargetSeq();
  }

  /**
   * Before a new connection: every handler given a message has finished. If one failed, the next expected
   * number goes back to its message, so the counterparty's resend delivers it (and those after it) again.
   */
  private async settleHandlers(): Promise<void> {
    await Promise.allSettled([...this.handlers]);
    const failed = this.handling.find((h) => h.state === 'failed');
    if (failed !== undefined && failed.seq < this.nextTargetSeq) this.nextTargetSeq = failed.seq;
    this.handling.length = 0;
  }

  /** The next sequence number a restart may expect: below every message not yet handled. */
  private persistableTargetSeq(): number {
    return this.handling[0]?.seq ?? this.nextTargetSeq;
  }

  private enqueue(msgType: string, name: string, body: FixFields, app?: FixAppMessage): Promise<void> {
    if (this.closing) return Promise.reject(new SessionClosedError(this.name));
    return new Promise((resolve, reject) => {
      const seq = this.nextSenderSeq;
      this.nextSenderSeq += 1;
      this.outbox.push({ seq, msgType, name, body, app, needsLogon: app !== undefined, done: { resolve, reject } });
      this.kickDrain();
    });
  }

  private sendAdmin(message: admin.AdminMessage): Promise<void> {
    return this.enqueue(message.msgType, message.name, message.body);
  }

  private writeResend(frames: readonly Buffer[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.outbox.push({ resend: frames, done: { resolve, reject } });
      this.kickDrain();
    });
  }

  /** Stores each batch, then writes it: a message is on disk before it is on the wire. */
  private async drain(): Promise<void> {
    while (this.outbox.length > 0) {
      const batch = this.outbox.splice(0, SEND_BATCH_MAX);
      const fresh = batch.filter((item): item is Outgoing => 'seq' in item);
      const sendingTimeMs = this.nowMs();
      try {
        if (fresh.length > 0) {
          const stored: StoredOutgoing[] = fresh.map((item) => ({ seq: item.seq, sendingTimeMs, message: item.app }));
          await this.store.recordSent(this.name, stored, fresh[fresh.length - 1]!.seq + 1);
        }
      } catch (error) {
        // Nothing of this batch left. A conflict means the store moved under us: read it again before the
        // next logon. Any other failure leaves the store behind memory, which only skips numbers (gap-filled).
        if (error instanceof SequenceConflictError) this.reloadBeforeNextLogon = true;
        for (const item of batch) item.done.reject(error);
        this.logger.error({ session: this.name, err: error }, 'fix store write failed; dropping the connection');
        this.dropConnection();
        continue;
      }
      const connection = this.connection;
      // The batch leaves in one write (one system call, not one per message); nothing waits between them.
      connection?.socket.cork();
      try {
        for (const item of batch) {
          if ('resend' in item) {
            for (const frame of item.resend) this.write(connection, frame);
          } else if (connection !== undefined && (!item.needsLogon || (connection.loggedOn && item.seq < (connection.logoutSeq ?? Infinity)))) {
            // One sent after our Logout (or our answer to theirs) stays stored: the next logon's resend takes it.
            if (this.write(connection, this.codec.encode({ msgType: item.msgType, senderCompId: this.config.senderCompId, targetCompId: this.config.targetCompId, msgSeqNum: item.seq, sendingTimeMs }, item.name, item.body))) this.lastWrittenSeq = item.seq;
          }
          item.done.resolve();
        }
      } finally {
        connection?.socket.uncork();
      }
    }
  }

  private kickDrain(): void {
    if (this.draining !== undefined) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.outbox.length > 0) this.kickDrain();
    });
  }

  /**
   * Every byte the session sends goes through here. A socket that has ended (the Logout exchange, or the
   * counterparty's FIN) or is destroyed takes nothing more: a timer, a resend or a send that was on its way
   * when the connection ended is not written (ERR_STREAM_WRITE_AFTER_END), it stays stored.
   */
  private write(connection: Connection | undefined, frame: Buffer): boolean {
    if (connection === undefined || !connection.socket.writable) return false;
    connection.socket.write(frame);
    connection.lastSentMs = this.nowMs();
    return true;
  }

  private onData(connection: Connection, chunk: Buffer): void {
    connection.lastReceivedMs = this.nowMs();
    const events = connection.framer.push(chunk);
    for (const event of events) {
      if (event.kind === 'garbled') {
        this.logger.warn({ session: this.name, reason: event.reason }, 'garbled FIX message dropped');
        continue;
      }
      this.receiveQueued += 1;
      if (this.receiveQueued >= RECEIVE_QUEUE_MAX) connection.socket.pause();
      this.receiving = this.receiving.then(async () => {
        try {
          if (this.connection === connection) await this.receive(connection, event.frame);
        } catch (error) {
          this.logger.error({ session: this.name, err: error }, 'handling a FIX message failed; dropping the connection');
          connection.socket.destroy();
        } finally {
          this.receiveQueued -= 1;
          if (this.receiveQueued === RECEIVE_QUEUE_MAX / 2) connection.socket.resume();
        }
      });
    }
    // The target sequence number is saved behind the handling, latest value wins, one write in flight: a
    // crash before it lands only makes the counterparty resend what was handled (handlers are idempotent).
    this.receiving = this.receiving.then(() => { this.kickTargetSeqWrite(); });
  }

  private kickTargetSeqWrite(): void {
    if (this.targetSeqWriting !== undefined || this.targetSeqTimer !== undefined || !this.targetSeqDirty) return;
    const waitMs = this.targetSeqWrittenAtMs + TARGET_SEQ_SAVE_EVERY_MS - performance.now();
    if (waitMs > 0) {
      this.targetSeqTimer = setTimeout(() => {
        this.targetSeqTimer = undefined;
        if (!this.closing) this.kickTargetSeqWrite();
      }, waitMs);
      this.targetSeqTimer.unref();
      return;
    }
    this.targetSeqWrittenAtMs = performance.now();
    this.targetSeqWriting = this.flushTargetSeq()
      .catch((error: unknown) => {
        this.targetSeqDirty = true;
        this.logger.error({ session: this.name, err: error }, 'fix store write of the target sequence number failed');
      })
      .finally(() => {
        this.targetSeqWriting = undefined;
        if (this.targetSeqDirty && !this.closing) this.kickTargetSeqWrite();
      });
  }

  /**
   * Writes take turns, each with the value at its turn: two writes in flight on different connections
   * could commit out of order and leave an older number stored.
   */
  private flushTargetSeq(): Promise<void> {
    const write = this.targetSeqWrites.then(async () => {
      if (!this.targetSeqDirty) return;
      this.targetSeqDirty = false;
      await this.store.saveNextTargetSeq(this.name, this.persistableTargetSeq());
    });
    this.targetSeqWrites = write.catch(() => undefined);
    return write;
  }

  private advanceTarget(nextTargetSeq: number): void {
    this.nextTargetSeq = nextTargetSeq;
    this.targetSeqDirty = true;
    if (this.gapOpenThrough > 0 && this.nextTargetSeq > this.gapOpenThrough) this.gapOpenThrough = 0;
  }

  private async receive(connection: Connection, frame: Buffer): Promise<void> {
    let message: DecodedFix;
    try {
      message = this.codec.decode(frame);
    } catch (error) {
      if (error instanceof FixDecodeError) { this.logger.warn({ session: this.name, reason: error.message }, 'undecodable FIX message dropped'); return; }
      throw error;
    }
    if (message.senderCompId !== this.config.targetCompId || message.targetCompId !== this.config.senderCompId) {
      await this.sendAdmin(admin.reject(message.msgSeqNum, admin.SessionRejectReason.CompIdProblem, 'CompID problem', 49));
      await this.logoutAndDrop(connection, 'CompID problem');
      return;
    }
    if (!connection.loggedOn && message.msgType !== admin.ADMIN_MSG_TYPES.Logon) {
      await this.logoutAndDrop(connection, 'first message must be Logon');
      return;
    }
    if (message.msgType === admin.ADMIN_MSG_TYPES.Logon && message.field(141) === 'Y' && !connection.loggedOn) {
      // FIX 4.4 ResetSeqNumFlag: the Logon itself is number 1 of the new sequence. The side that did not
      // ask resets too and answers with the flag; the side that asked (attach) has reset already.
      if (!connection.resetRequested) await this.resetSequences({ nextSenderSeq: 1, nextTargetSeq: message.msgSeqNum + 1 });
      else this.advanceTarget(message.msgSeqNum + 1);
      await this.onLogon(connection, message, true);
      return;
    }
    if (message.msgType === admin.ADMIN_MSG_TYPES.SequenceReset && message.field(123) !== 'Y') {
      // Reset mode ignores the sequence number: it sets the next expected one outright.
      const newSeqNo = Number(message.field(36));
      if (Number.isSafeInteger(newSeqNo) && newSeqNo >= this.nextTargetSeq) this.advanceTarget(newSeqNo);
      return;
    }
    const seq = message.msgSeqNum;
    if (seq < this.nextTargetSeq) {
      if (message.possDup) return; // already handled when it first came: a duplicate changes nothing
      await this.logoutAndDrop(connection, `MsgSeqNum too low, expecting ${this.nextTargetSeq} but received ${seq}`);
      return;
    }
    if (seq > this.nextTargetSeq) {
      // A gap: act on what cannot wait, and ask for everything from the first missing one.
      if (message.msgType === admin.ADMIN_MSG_TYPES.Logon) await this.onLogon(connection, message);
      else if (message.msgType === admin.ADMIN_MSG_TYPES.ResendRequest) await this.onResendRequest(message);
      else if (message.msgType === admin.ADMIN_MSG_TYPES.Logout) { connection.socket.destroy(); return; }
      if (this.gapOpenThrough === 0) {
        this.logger.warn({ session: this.name, expected: this.nextTargetSeq, received: seq }, 'sequence gap; asking for a resend');
        await this.sendAdmin(admin.resendRequest(this.nextTargetSeq, 0));
      }
      this.gapOpenThrough = Math.max(this.gapOpenThrough, seq);
      return;
    }
    await this.handleInSequence(connection, message);
  }

  private async handleInSequence(connection: Connection, message: DecodedFix): Promise<void> {
    const seq = message.msgSeqNum;
    switch (message.msgType) {
      case admin.ADMIN_MSG_TYPES.Logon:
        this.advanceTarget(seq + 1);
        await this.onLogon(connection, message);
        return;
      case admin.ADMIN_MSG_TYPES.Heartbeat:
        if (connection.testRequestId !== undefined && message.field(112) === connection.testRequestId) connection.testRequestId = undefined;
        this.advanceTarget(seq + 1);
        return;
      case admin.ADMIN_MSG_TYPES.TestRequest:
        this.advanceTarget(seq + 1);
        await this.sendAdmin(admin.heartbeat(message.field(112)));
        return;
      case admin.ADMIN_MSG_TYPES.ResendRequest:
        this.advanceTarget(seq + 1);
        await this.onResendRequest(message);
        return;
      case admin.ADMIN_MSG_TYPES.SequenceReset: {
        const newSeqNo = Number(message.field(36));
        this.advanceTarget(Number.isSafeInteger(newSeqNo) && newSeqNo > seq ? newSeqNo : seq + 1);
        return;
      }
      case admin.ADMIN_MSG_TYPES.Reject:
        this.logger.warn({ session: this.name, refSeqNum: message.field(45), text: message.field(58) }, 'counterparty rejected a message');
        this.advanceTarget(seq + 1);
        return;
      case admin.ADMIN_MSG_TYPES.Logout:
        this.advanceTarget(seq + 1);
        await this.flushTargetSeq();
        if (connection.logoutSeq === undefined) await this.sendLogout(connection);
        this.endConnection(connection);
        return;
      default:
        await this.onApplication(message);
    }
  }

  private async onApplication(message: DecodedFix): Promise<void> {
    const decoded = fromFix(message);
    if (decoded === undefined) {
      await this.sendAdmin(admin.reject(message.msgSeqNum, admin.SessionRejectReason.ValueIncorrect, `unsupported MsgType ${message.msgType}`, 35));
    } else if (E.isLeft(decoded)) {
      const reason = decoded.left.reason === 'missing' ? admin.SessionRejectReason.RequiredTagMissing : admin.SessionRejectReason.ValueIncorrect;
      await this.sendAdmin(admin.reject(message.msgSeqNum, reason, decoded.left.detail, decoded.left.tag));
    } else {
      await this.startHandling(message.msgSeqNum, decoded.right);
    }
    this.advanceTarget(message.msgSeqNum + 1);
  }

  /**
   * Gives the message to the handler without waiting for it (up to handlingConcurrency at once). The
   * stored next target number stays at the lowest message not yet handled, so a crash redelivers every
   * message whose handling had not finished (handlers are idempotent); a failed handler drops the
   * connection, and the next logon asks for it again (settleHandlers).
   */
  private async startHandling(seq: number, message: FixAppMessage): Promise<void> {
    const concurrency = this.config.handlingConcurrency ?? 1;
    while (this.handlers.size >= concurrency) await new Promise<void>((resolve) => { this.handlerSlotFreed = resolve; });
    const entry: Handling = { seq, state: 'running' };
    this.handling.push(entry);
    const connection = this.connection;
    const handled: Promise<void> = this.handler(message).then(
      () => {
        entry.state = 'done';
        while (this.handling[0]?.state === 'done') this.handling.shift();
        this.targetSeqDirty = true;
        if (!this.closing) this.kickTargetSeqWrite();
      },
      (error: unknown) => {
        entry.state = 'failed';
        this.logger.error({ session: this.name, seq, err: error }, 'handling a FIX message failed; dropping the connection');
        connection?.socket.destroy();
      },
    ).finally(() => {
      this.handlers.delete(handled);
      const wake = this.handlerSlotFreed;
      this.handlerSlotFreed = undefined;
      wake?.();
    });
    this.handlers.add(handled);
  }

  private async onLogon(connection: Connection, message: DecodedFix, reset = false): Promise<void> {
    if (connection.loggedOn) return;
    if (this.config.role === 'acceptor') {
      // The initiator names the heartbeat interval; the acceptor keeps to it and says so in its answer.
      const asked = Number(message.field(108));
      if (Number.isSafeInteger(asked) && asked > 0) {
        connection.heartbeatMs = asked * 1000;
        this.startTimer(connection);
      }
      await this.sendAdmin(admin.logon(connection.heartbeatMs / 1000, reset));
    }
    connection.loggedOn = true;
    this.logger.info({ session: this.name, ...this.sequences() }, 'fix session logged on');
    // Messages stored while logged off were never written: a heartbeat shows the counterparty the gap, and
    // its ResendRequest fetches them from the store.
    if (this.lastWrittenSeq < this.nextSenderSeq - 1) await this.sendAdmin(admin.heartbeat());
    for (const waiter of this.logonWaiters.splice(0)) waiter();
  }

  private async onResendRequest(message: DecodedFix): Promise<void> {
    const begin = Number(message.field(7));
    const endAsked = Number(message.field(16));
    const lastSent = this.nextSenderSeq - 1;
    if (!Number.isSafeInteger(begin) || begin < 1) return;
    const end = endAsked === 0 || !Number.isSafeInteger(endAsked) || endAsked > lastSent ? lastSent : endAsked;
    if (begin > end) return;
    const stored = await this.store.readSent(this.name, begin, end);
    const frames: Buffer[] = [];
    const header = { senderCompId: this.config.senderCompId, targetCompId: this.config.targetCompId, sendingTimeMs: this.nowMs() };
    let next = begin;
    const fillTo = (seq: number): void => {
      if (seq > next) frames.push(this.codec.encode({ ...header, msgType: '4', msgSeqNum: next, origSendingTimeMs: header.sendingTimeMs }, 'SequenceReset', admin.gapFill(seq).body));
    };
    for (const sent of stored) {
      fillTo(sent.seq);
      const { msgType, name, body } = toFixBody(sent.message!);
      frames.push(this.codec.encode({ ...header, msgType, msgSeqNum: sent.seq, origSendingTimeMs: sent.sendingTimeMs }, name, body));
      next = sent.seq + 1;
    }
    fillTo(end + 1);
    this.logger.info({ session: this.name, begin, end, resent: stored.length }, 'answered a resend request');
    await this.writeResend(frames);
  }

  private async logoutAndDrop(connection: Connection, text: string): Promise<void> {
    this.logger.warn({ session: this.name, text }, 'fix session logging out');
    await this.sendLogout(connection, text);
    this.endConnection(connection);
  }

  /** Our Logout, once per connection: what was sent before it still goes out; what comes after waits for the next logon. */
  private async sendLogout(connection: Connection, text?: string): Promise<void> {
    connection.logoutSeq = this.nextSenderSeq;
    await this.sendAdmin(admin.logout(text)).catch(() => undefined);
  }

  private onTimer(connection: Connection): void {
    const { heartbeatMs } = connection;
    const now = this.nowMs();
    // Logged off, or our Logout waits for its answer (close() bounds that wait): only watch for a dead link.
    if (!connection.loggedOn || connection.logoutSeq !== undefined) {
      if (now - connection.lastReceivedMs > heartbeatMs * DISCONNECT_AFTER_INTERVALS) connection.socket.destroy();
      return;
    }
    if (now - connection.lastSentMs >= heartbeatMs) void this.sendAdmin(admin.heartbeat()).catch(() => undefined);
    const silentMs = now - connection.lastReceivedMs;
    if (silentMs > heartbeatMs * DISCONNECT_AFTER_INTERVALS) {
      this.logger.warn({ session: this.name, silentMs }, 'counterparty silent after a test request; dropping the connection');
      connection.socket.destroy();
    } else if (silentMs > heartbeatMs * TEST_REQUEST_AFTER_INTERVALS && connection.testRequestId === undefined) {
      this.testRequestCount += 1;
      connection.testRequestId = `${this.name}-${this.testRequestCount}`;
      void this.sendAdmin(admin.testRequest(connection.testRequestId)).catch(() => undefined);
    }
  }
}
