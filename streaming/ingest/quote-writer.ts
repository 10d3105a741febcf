import { invariant } from '../../domain/invariant';
import { PRICE_TICKS_MAX, TICKS_PER_DOLLAR } from '../market/ticks';
import type { SymbolTable } from '../market/symbol-table';

/*
 * Writing the quote's JSON straight into a byte buffer: no string, no object, no allocation per message.
 * Everything written here is ASCII by construction (symbols are [A-Z0-9.], numbers, ISO-8601 times), so a
 * character is a byte. Each function writes at `pos` and returns the position after what it wrote; the caller
 * guarantees the room (a message is at most QUOTE_JSON_BYTES_MAX). They live in this module, beside their one
 * hot caller, because a call across modules compiled to CommonJS goes through an export getter.
 */

const ZERO = 0x30;
const QUOTE = 0x22;
const DOT = 0x2e;
const MS_PER_DAY = 86_400_000;
/** The ISO-8601 form `2026-11-25T15:00:00.000Z`, for years 0..9999 (Date's own form beyond). */
export const ISO_BYTES = 24;
const ISO_DAYS_MAX = 2_932_896; // 9999-12-31
const DAYS_0000_TO_1970 = 719_468; // the civil-from-days shift to 0000-03-01

export const asciiBytes = (text: string): Uint8Array => {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i);
  return bytes;
};

export const writeBytes = (out: Uint8Array, pos: number, bytes: Uint8Array): number => {
  for (let i = 0; i < bytes.length; i += 1) out[pos + i] = bytes[i]!;
  return pos + bytes.length;
};

/** A non-negative safe integer as `String(n)` writes it. */
export const writeUint = (out: Uint8Array, pos: number, n: number): number => {
  if (n > UINT32_MAX) return writeWideUint(out, pos, n);
  // 32-bit integer arithmetic: sizes, volumes and dollar amounts nearly always fit, and it is several times faster.
  let digits = 1;
  for (let rest = n; rest >= 10; rest = (rest / 10) >>> 0) digits += 1;
  let rest = n;
  for (let i = pos + digits - 1; i >= pos; i -= 1) {
    const next = (rest / 10) >>> 0;
    out[i] = ZERO + rest - next * 10;
    rest = next;
  }
  return pos + digits;
};
const UINT32_MAX = 0xffff_ffff;

const writeWideUint = (out: Uint8Array, pos: number, n: number): number => {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits += 1;
  let rest = n;
  for (let i = pos + digits - 1; i >= pos; i -= 1) {
    const next = Math.floor(rest / 10);
    out[i] = ZERO + (rest - next * 10);
    rest = next;
  }
  return pos + digits;
};

/** Price ticks as `ticksToDecimal` writes them: at least cents, at most 4 dp, trailing zeros beyond cents trimmed. */
export const writeTicksDecimal = (out: Uint8Array, pos: number, ticks: number): number => {
  const dollars = Math.floor(ticks / TICKS_PER_DOLLAR);
  const fraction = ticks - dollars * TICKS_PER_DOLLAR;
  let at = writeUint(out, pos, dollars);
  out[at] = DOT;
  const digits = fraction % 100 !== 0 ? (fraction % 10 !== 0 ? 4 : 3) : 2;
  let rest = fraction;
  for (let i = 3; i >= 0; i -= 1) {
    const next = Math.floor(rest / 10);
    if (i < digits) out[at + 1 + i] = ZERO + (rest - next * 10);
    rest = next;
  }
  at += 1 + digits;
  return at;
};

/** The price as a JSON value: `"187.42"`, or `null` for an absent side (0 ticks). */
export const writePriceOrNull = (out: Uint8Array, pos: number, ticks: number): number => {
  if (ticks <= 0) return writeBytes(out, pos, NULL);
  out[pos] = QUOTE;
  const at = writeTicksDecimal(out, pos + 1, ticks);
  out[at] = QUOTE;
  return at + 1;
};
const NULL = asciiBytes('null');

const write2 = (out: Uint8Array, pos: number, n: number): void => {
  const tens = Math.floor(n / 10);
  out[pos] = ZERO + tens;
  out[pos + 1] = ZERO + (n - tens * 10);
};

/** `new Date(ms).toISOString()`, written as bytes (the civil-from-days arithmetic of proleptic Gregorian dates). */
export const writeIso = (out: Uint8Array, pos: number, ms: number): number => {
  const days = Math.floor(ms / MS_PER_DAY);
  if (days < -DAYS_0000_TO_1970 || days > ISO_DAYS_MAX) return writeBytes(out, pos, asciiBytes(new Date(ms).toISOString()));
  let msOfDay = ms - days * MS_PER_DAY;
  const z = days + DAYS_0000_TO_1970;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1_460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  write2(out, pos, Math.floor(year / 100));
  write2(out, pos + 2, year % 100);
  out[pos + 4] = 0x2d;
  write2(out, pos + 5, month);
  out[pos + 7] = 0x2d;
  write2(out, pos + 8, day);
  out[pos + 10] = 0x54; // T
  const hours = Math.floor(msOfDay / 3_600_000);
  msOfDay -= hours * 3_600_000;
  const minutes = Math.floor(msOfDay / 60_000);
  msOfDay -= minutes * 60_000;
  const seconds = Math.floor(msOfDay / 1_000);
  const millis = msOfDay - seconds * 1_000;
  write2(out, pos + 11, hours);
  out[pos + 13] = 0x3a;
  write2(out, pos + 14, minutes);
  out[pos + 16] = 0x3a;
  write2(out, pos + 17, seconds);
  out[pos + 19] = DOT;
  out[pos + 20] = ZERO + Math.floor(millis / 100);
  write2(out, pos + 21, millis % 100);
  out[pos + 23] = 0x5a; // Z
  return pos + ISO_BYTES;
};

/** The longest quote message: every field at its widest (10-character symbol, 7-digit prices, 16-digit sizes) and a channel. */
export const QUOTE_JSON_BYTES_MAX = 320;

const PRICE_FIELDS = 3; // bid, ask, last
const PRICE_SLOT_BYTES = 16; // a length byte, then `"9999999.9999"` at most
const BID = 0;
const ASK = 1;
const LAST = 2;
const ASK_KEY = asciiBytes(',"ask":');
const BID_SIZE_KEY = asciiBytes(',"bid_size":');
const ASK_SIZE_KEY = asciiBytes(',"ask_size":');
const LAST_KEY = asciiBytes(',"last":');
const VOLUME_KEY = asciiBytes(',"volume":');
const TS_KEY = asciiBytes(',"ts":"');
/** Room for the longest closing a caller passes (`,"channel":"quotes"}` is 20). */
const CLOSING_BYTES_MAX = 32;

/**
 * The `Quote` JSON of one symbol (infrastructure/market/quote.ts), written as bytes with the fields in the order
 * the hand-built string had them. Each price's decimal text is rendered once per tick value and kept per symbol
 * and field, since an NBBO change usually moves one side and leaves the other and the last trade where they were;
 * the timestamp is rendered once per millisecond, which hundreds of consecutive quotes share.
 */
export class QuoteWriter {
  /** `{"symbol":"AAPL","bid":` per symbol. */
  readonly #opening: Uint8Array[];
  readonly #priceTicks: Float64Array;
  readonly #priceText: Uint8Array;
  /** `,"ts":"<ISO>"` and the closing of the last message: one copy for the message's last 50 bytes. */
  readonly #endingSpace = new Uint8Array(TS_KEY.length + ISO_BYTES + 1 + CLOSING_BYTES_MAX);
  #ending = this.#endingSpace.subarray(0, 0);
  #endingMs = Number.NaN;
  #endingClosing: Uint8Array | undefined;

  constructor(symbols: SymbolTable) {
    this.#opening = Array.from({ length: symbols.size }, (_, id) => asciiBytes(`{"symbol":"${symbols.name(id)}","bid":`));
    this.#priceTicks = new Float64Array(symbols.size * PRICE_FIELDS).fill(-1);
    this.#priceText = new Uint8Array(symbols.size * PRICE_FIELDS * PRICE_SLOT_BYTES);
  }

  /** Writes the quote at `pos`, then `closing` (`}`, or `,"channel":"quotes"}` for the bus); returns the end. */
  write(out: Uint8Array, pos: number, s: number, bidTicks: number, askTicks: number, bidSize: number, askSize: number,
    lastTicks: number, volume: number, tsMs: number, closing: Uint8Array): number {
    const opening = this.#opening[s]!;
    out.set(opening, pos);
    let at = this.#price(out, pos + opening.length, s, BID, bidTicks);
    at = writeBytes(out, at, ASK_KEY);
    at = this.#price(out, at, s, ASK, askTicks);
    at = writeBytes(out, at, BID_SIZE_KEY);
    at = writeWhole(out, at, bidSize);
    at = writeBytes(out, at, ASK_SIZE_KEY);
    at = writeWhole(out, at, askSize);
    at = writeBytes(out, at, LAST_KEY);
    at = this.#price(out, at, s, LAST, lastTicks);
    at = writeBytes(out, at, VOLUME_KEY);
    at = writeWhole(out, at, volume);
    if (tsMs !== this.#endingMs || closing !== this.#endingClosing) this.#renderEnding(tsMs, closing);
    // The longer runs go through TypedArray#set, which beats a byte loop from a few dozen bytes up.
    out.set(this.#ending, at);
    return at + this.#ending.length;
  }

  #renderEnding(tsMs: number, closing: Uint8Array): void {
    invariant(closing.length <= CLOSING_BYTES_MAX, `a quote's closing is at most ${CLOSING_BYTES_MAX} bytes`);
    this.#endingMs = tsMs;
    this.#endingClosing = closing;
    const space = this.#endingSpace;
    let at = writeBytes(space, 0, TS_KEY);
    at = writeIso(space, at, tsMs);
    space[at] = 0x22;
    this.#ending = space.subarray(0, writeBytes(space, at + 1, closing));
  }

  #price(out: Uint8Array, pos: number, s: number, field: number, ticks: number): number {
    if (ticks >= PRICE_TICKS_MAX) return writePriceOrNull(out, pos, ticks); // a feed error: not worth a slot
    const key = s * PRICE_FIELDS + field;
    const slot = key * PRICE_SLOT_BYTES;
    const text = this.#priceText;
    if (this.#priceTicks[key] !== ticks) {
      this.#priceTicks[key] = ticks;
      text[slot] = writePriceOrNull(text, slot + 1, ticks) - slot - 1;
    }
    const length = text[slot]!;
    for (let i = 0; i < length; i += 1) out[pos + i] = text[slot + 1 + i]!;
    return pos + length;
  }
}

/** Sizes and volume are whole shares; a value beyond exact integers (a feed gone wrong) is written as JavaScript would. */
const writeWhole = (out: Uint8Array, pos: number, n: number): number =>
  Number.isSafeInteger(n) && n >= 0 ? writeUint(out, pos, n) : writeBytes(out, pos, asciiBytes(String(n)));
