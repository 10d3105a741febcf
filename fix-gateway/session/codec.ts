// jspurefix resolves its parsers through tsyringe, which needs the decorator metadata polyfill loaded first.
import 'reflect-metadata';
import type { FixDefinitions } from 'jspurefix/dist/dictionary/definition';
import { AsciiChars, AsciiEncoder, AsciiParser, TimeFormatter } from 'jspurefix/dist/buffer/ascii';
import { ElasticBuffer } from 'jspurefix/dist/buffer/elastic-buffer';
import type { MsgView } from 'jspurefix/dist/buffer/msg-view';
import { JsFixConfig } from 'jspurefix/dist/config/js-fix-config';
import { makeSessionScope } from 'jspurefix/dist/runtime/session-scope';
import type { ISessionDescription } from 'jspurefix/dist/transport/session/session-description';
import { container } from 'tsyringe';
import { InvariantViolation, invariant } from '../../domain/invariant';
import { fix44Definitions } from './dictionary';
import { frameBody } from './framing';

/** Loose objects in jspurefix's shape: field names from the dictionary, components nested by name. */
export type FixFields = { readonly [name: string]: string | number | boolean | Date | FixFields | undefined };

/** The StandardHeader fields the session sets on every message it sends. */
export type OutgoingHeader = {
  readonly msgType: string;
  readonly senderCompId: string;
  readonly targetCompId: string;
  readonly msgSeqNum: number;
  readonly sendingTimeMs: number;
  /** Set on a resend: PossDupFlag=Y and OrigSendingTime = when it was first sent. */
  readonly origSendingTimeMs?: number;
};

/** One received message: its header as values, and its fields' raw text by tag. */
export type DecodedFix = {
  readonly msgType: string;
  readonly msgSeqNum: number;
  readonly senderCompId: string;
  readonly targetCompId: string;
  readonly possDup: boolean;
  readonly sendingTimeMs: number;
  readonly origSendingTimeMs?: number;
  /** Raw text of a tag, or undefined when absent: decimals stay strings, never floats. */
  field(tag: number): string | undefined;
  /** Tags the dictionary requires on this message type that it lacks. */
  readonly missingRequiredTags: readonly number[];
};

const MSG_TYPE_TAG = 35;
const SENDER_COMP_ID_TAG = 49;
const TARGET_COMP_ID_TAG = 56;
const MSG_SEQ_NUM_TAG = 34;
const SENDING_TIME_TAG = 52;
const POSS_DUP_FLAG_TAG = 43;
const ORIG_SENDING_TIME_TAG = 122;

/** UTCTimestamp with milliseconds, as FIX 4.4 writes it: 20231114-22:13:20.123. */
export const formatUtcTimestamp = (epochMs: number): string => {
  const iso = new Date(epochMs).toISOString(); // 2023-11-14T22:13:20.123Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 23)}`;
};

/** Parses 20231114-22:13:20 or 20231114-22:13:20.123 (UTC); undefined when malformed. */
export const parseUtcTimestamp = (text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const match = /^(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, frac] = match;
  const ms = frac === undefined ? 0 : Number(frac.padEnd(3, '0').slice(0, 3));
  const value = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  return Number.isNaN(value) ? undefined : value;
};

/** Every field's raw text by tag (first occurrence: the messages we take have no repeating groups). */
const copyFields = (view: MsgView): { readonly fields: Map<number, string>; readonly missing: number[] } => {
  const fields = new Map<number, string>();
  const tags = view.structure?.tags;
  for (let i = 0; tags !== undefined && i < tags.nextTagPos; i += 1) {
    const tag = tags.tagPos[i]!.tag;
    if (!fields.has(tag)) fields.set(tag, view.getString(tag) ?? '');
  }
  return { fields, missing: view.missing() };
};

export class FixDecodeError extends Error {
  override readonly name = 'FixDecodeError';
}

/**
 * FIX 4.4 encoding and decoding through jspurefix's dictionary-driven encoder and parser. The session
 * writes BeginString, BodyLength and CheckSum itself (framing.ts) so their values are exact and
 * unpadded; everything between them is the dictionary's field order. Not shared between sessions:
 * it holds one reusable buffer for each direction.
 */
export class FixCodec {
  private readonly encodeBuffer = new ElasticBuffer(4 * 1024);
  private readonly encoder: AsciiEncoder;
  private readonly parser: AsciiParser;
  private decoded: { readonly fields: Map<number, string>; readonly missing: number[] } | undefined;
  private decodeError: unknown;

  private constructor(readonly definitions: FixDefinitions) {
    this.encoder = new AsciiEncoder(this.encodeBuffer, definitions, new TimeFormatter(this.encodeBuffer), AsciiChars.Soh, AsciiChars.Soh);
    // A field our mapping names that the dictionary lacks on that message would be silently left out.
    this.encoder.onUnknownField = (fieldName, setName) => {
      throw new InvariantViolation(`field ${fieldName} is not on ${setName} in the FIX 4.4 dictionary`);
    };
    const description = { application: { protocol: 'ascii', name: 'brokerage', type: 'initiator' } } as unknown as ISessionDescription;
    const root = new JsFixConfig(null, definitions, description, AsciiChars.Soh);
    root.sessionContainer = container;
    const scoped = makeSessionScope(root);
    // The parser's state writes into the scope's receive buffer, so the parser must read from that same one.
    this.parser = new AsciiParser(scoped, null, scoped.sessionContainer.resolve<ElasticBuffer>('ReceiveBuffer'));
    // The view reads the parser's buffer, which the parser resets as soon as this handler returns.
    this.parser.on('msg', (_msgType: string, view: MsgView) => { this.decoded = copyFields(view); });
    this.parser.on('error', (error: unknown) => { this.decodeError = error; });
  }

  static async create(): Promise<FixCodec> {
    return new FixCodec(await fix44Definitions());
  }

  /** `messageName` is the dictionary's name for the body (NewOrderSingle, Logon, …). */
  encode(header: OutgoingHeader, messageName: string, body: FixFields): Buffer {
    invariant(this.definitions.message.get(header.msgType)?.name === messageName, `35=${header.msgType} is not ${messageName}`);
    this.encoder.reset();
    const resend = header.origSendingTimeMs !== undefined;
    this.encoder.encode({
      MsgType: header.msgType,
      SenderCompID: header.senderCompId,
      TargetCompID: header.targetCompId,
      MsgSeqNum: header.msgSeqNum,
      PossDupFlag: resend ? 'Y' : undefined,
      SendingTime: formatUtcTimestamp(header.sendingTimeMs),
      OrigSendingTime: resend ? formatUtcTimestamp(header.origSendingTimeMs!) : undefined,
    }, 'StandardHeader');
    this.encoder.encode(body, messageName);
    return frameBody(this.encodeBuffer.copy());
  }

  /** Decodes one framed message (framing.ts has checked its length and checksum). */
  decode(frame: Buffer): DecodedFix {
    this.decoded = undefined;
    this.decodeError = undefined;
    try {
      this.parser.parseBuffer(frame);
    } catch (error) {
      this.parser.reset();
      throw new FixDecodeError(`unparseable message: ${String(error)}`);
    }
    const decoded = this.decoded as { readonly fields: Map<number, string>; readonly missing: number[] } | undefined;
    if (this.decodeError !== undefined || decoded === undefined) {
      this.parser.reset();
      throw new FixDecodeError(`unparseable message: ${String(this.decodeError ?? 'no message')}`);
    }
    const field = (tag: number): string | undefined => decoded.fields.get(tag);
    const msgType = field(MSG_TYPE_TAG);
    const msgSeqNum = Number(field(MSG_SEQ_NUM_TAG));
    const sendingTimeMs = parseUtcTimestamp(field(SENDING_TIME_TAG));
    if (msgType === undefined || !Number.isSafeInteger(msgSeqNum) || msgSeqNum < 1 || sendingTimeMs === undefined) {
      throw new FixDecodeError('header lacks MsgType, a valid MsgSeqNum or SendingTime');
    }
    return {
      msgType,
      msgSeqNum,
      senderCompId: field(SENDER_COMP_ID_TAG) ?? '',
      targetCompId: field(TARGET_COMP_ID_TAG) ?? '',
      possDup: field(POSS_DUP_FLAG_TAG) === 'Y',
      sendingTimeMs,
      origSendingTimeMs: parseUtcTimestamp(field(ORIG_SENDING_TIME_TAG)),
      field,
      missingRequiredTags: decoded.missing,
    };
  }
}
