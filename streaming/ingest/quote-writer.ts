import { invariant } from '../../domain/invariant';
import { PRICE_TICKS_MAX as PRICE_TICKS_MAX_EXPORTED, TICKS_PER_DOLLAR as TICKS_PER_DOLLAR_EXPORTED } from '../market/ticks';
import type { SymbolTable } from '../market/symbol-table';

/*
 * Writing the quote's JSON straight into a byte buffer: no string, no object, no allocation per message.
 * Everything written here is ASCII by construction (symbols are [A-Z0-9.], numbers, ISO-8601 times), so a
 * character is a byte. Each function writes at `pos` and returns the position after what it wrote; the caller
 * guarantees the room (a message is at most QUOTE_JSON_BYTES_MAX). They live in this module, beside their one
 * hot caller, because a call across modules compiled to CommonJS goes through an export getter.
 */

// Imported constants read on every quote are copied here: tsx runs this as CommonJS, where an imported name is a
// getter on the other module's exports that V8 does not inline, and three such reads cost more than a whole price.
const PRICE_TICKS_MAX = PRICE_TICKS_MAX_EXPORTED;
const TICKS_PER_DOLLAR = TICKS_PER_DOLLAR_EXPORTED;
const ZERO = 0x30;
const QUOTE = 0x22;
const DOT = 0x2e;
const MS_PER_DAY = 86_400_000;
/** Where write reads a quote's numbers: the NBBO's layout (NbboBook.best) and the tape's (last trade, day volume, update time). */
const NBBO_BID = 0;
const NBBO_BID_SIZE = 1;
const NBBO_ASK = 2;
const NBBO_ASK_SIZE = 3;
export const TAPE_LAST = 0;
export const TAPE_VOLUME = 1;
export const TAPE_TS = 2;
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

/*
 * The quote leaves as a handful of 8-byte stores. A byte-at-a-time copy costs about 2 ns a byte in V8 (a bounds
 * check per load and per store), which made a 150-byte message cost more than everything else ingest does; an
 * unaligned DataView.setFloat64 moves 8 bytes for about the price of one. So every piece of a message is kept
 * pre-encoded in whole 8-byte words and copied word by word, and the position then advances by the piece's true
 * length: the few bytes written past it are overwritten by the next piece (the caller leaves room for
 * QUOTE_JSON_BYTES_MAX). The words only carry ASCII and zero padding, so none is a NaN whose bits could change.
 */
const WORD_BYTES = 8;
/**
 * Per symbol, in words: the opening `{"symbol":"ABCDEFGHIJ","bid":` (29 bytes at most), then each price with the
 * key after it, each in four words: a price is rendered with word stores too, and the last may reach 30 bytes.
 */
const OPENING = 0;
const OPENING_WORDS = 4;
const BID = OPENING + OPENING_WORDS; // `"9999999.9999","ask":`, 21 bytes at most
const BID_WORDS = 4;
const ASK = BID + BID_WORDS; // `"9999999.9999","bid_size":`, 26 bytes at most
const ASK_WORDS = 4;
/**
 * The tail `,"last":"9999999.9999","volume":<up to 16 digits>`, 48 bytes at most (and a digit store's 3 bytes
 * beyond): it changes only on a trade, so the last price and the volume are rendered together, once per change.
 */
const LAST = ASK + ASK_WORDS;
const LAST_WORDS = 7;
/** Then the tick values the bid, ask and last pieces were rendered from (-1: none yet), and the volume (NaN: none yet)... */
const TICKS = LAST + LAST_WORDS;
const VOLUME = TICKS + 3;
/** ...and one word holding the byte lengths of the opening and the three price pieces: a symbol's record is one read. */
const LENGTHS = VOLUME + 1;
const RECORD_WORDS = LENGTHS + 1;
const ASK_SIZE_KEY = asciiBytes(',"ask_size":');
const LAST_KEY = asciiBytes(',"last":');
const PRICE_KEYS = [asciiBytes(',"ask":'), asciiBytes(',"bid_size":'), asciiBytes(',"volume":')];
const TS_KEY = asciiBytes(',"ts":"');
/** Room for the longest closing a caller passes (`,"channel":"quotes"}` is 20). */
const CLOSING_BYTES_MAX = 32;
/** Date's own form for years beyond 9999 (`+010000-01-01T00:00:00.000Z`) is this long. */
const ISO_EXPANDED_BYTES = 27;
const ENDING_WORDS = Math.ceil((TS_KEY.length + ISO_EXPANDED_BYTES + 1 + CLOSING_BYTES_MAX) / WORD_BYTES);
/** Whole numbers below this (sizes nearly always) come from a table of their digits, four bytes each. */
const SMALL_COUNT_LIMIT = 10_000;
const QUOTE_MARK = 0x22;

/** `text`, zero-padded to whole words (at least `wordsMin`). */
const wordsOf = (text: Uint8Array, wordsMin = 1): Float64Array => {
  const words = new Float64Array(Math.max(wordsMin, Math.ceil(text.length / WORD_BYTES)));
  new Uint8Array(words.buffer).set(text);
  return words;
};

/** The digits of 0..9999 as String(n) has them (`unpadded`) and as four digits (`padded`), one int32 each, little-endian. */
const digitTables = () => {
  const unpadded = new Int32Array(SMALL_COUNT_LIMIT);
  const padded = new Int32Array(SMALL_COUNT_LIMIT);
  const lengths = new Uint8Array(SMALL_COUNT_LIMIT);
  const pack = (text: string): number => {
    let word = 0;
    for (let i = 0; i < text.length; i += 1) word |= text.charCodeAt(i) << (8 * i);
    return word;
  };
  for (let n = 0; n < SMALL_COUNT_LIMIT; n += 1) {
    unpadded[n] = pack(String(n));
    padded[n] = pack(String(n).padStart(4, '0'));
    lengths[n] = String(n).length;
  }
  return { unpadded, padded, lengths };
};
const DIGITS = digitTables();

/** The fraction of a price after its dollars, as ticksToDecimal writes it (`.42`, `.425`, `.4251`), per tick value, in one word each. */
const fractionTable = () => {
  const words = new Float64Array(TICKS_PER_DOLLAR);
  const bytes = new Uint8Array(words.buffer);
  const lengths = new Uint8Array(TICKS_PER_DOLLAR);
  const scratch = new Uint8Array(WORD_BYTES);
  for (let fraction = 0; fraction < TICKS_PER_DOLLAR; fraction += 1) {
    const end = writeTicksDecimal(scratch, 0, fraction); // `0.42`: the fraction is what follows the 0
    bytes.set(scratch.subarray(1, end), fraction * WORD_BYTES);
    lengths[fraction] = end - 1;
  }
  return { words, lengths };
};
const FRACTIONS = fractionTable();
/** Each key after a price, in two words whatever its length, so rendering one is always two stores. */
const KEY_WORDS = PRICE_KEYS.map((key) => wordsOf(key, 2));
const NULL_WORD = wordsOf(asciiBytes('null'))[0]!;
// Numbers, not array elements, so the constant keys cost no array read in write.
const ASK_SIZE_KEY_WORD0 = wordsOf(ASK_SIZE_KEY, 2)[0]!;
const ASK_SIZE_KEY_WORD1 = wordsOf(ASK_SIZE_KEY, 2)[1]!;
const ASK_SIZE_KEY_LENGTH = ASK_SIZE_KEY.length;
const LAST_KEY_WORD = wordsOf(LAST_KEY)[0]!;
const LAST_KEY_LENGTH = LAST_KEY.length;

/**
 * The `Quote` JSON of one symbol (infrastructure/market/quote.ts), written as bytes with the fields in the order
 * the hand-built string had them. Each price's decimal text, with the key that follows it, is rendered once per
 * tick value and kept per symbol and field, since an NBBO change usually moves one side and leaves the other and
 * the last trade where they were; the timestamp and the closing are rendered once per millisecond, which
 * hundreds of consecutive quotes share; sizes come from a digit table.
 */
export class QuoteWriter {
  /** Per symbol, RECORD_WORDS words of pre-encoded pieces. */
  readonly #words: Float64Array;
  readonly #wordBytes: Uint8Array;
  readonly #wordView: DataView;
  /** `,"ts":"<ISO>"` and the closing of the last message. */
  readonly #ending = new Float64Array(ENDING_WORDS);
  #endingLength = 0;
  #endingMs = Number.NaN;
  #endingClosing: Uint8Array | undefined;
  /** The DataView over the last output buffer, so a caller writing into one buffer creates one view. */
  #out: Uint8Array | undefined;
  #view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  constructor(symbols: SymbolTable) {
    this.#words = new Float64Array(symbols.size * RECORD_WORDS);
    this.#wordBytes = new Uint8Array(this.#words.buffer);
    this.#wordView = new DataView(this.#words.buffer);
    for (let s = 0; s < symbols.size; s += 1) {
      const opening = asciiBytes(`{"symbol":"${symbols.name(s)}","bid":`);
      invariant(opening.length <= OPENING_WORDS * WORD_BYTES, `symbol ${symbols.name(s)} is too long for a quote's opening`);
      this.#wordBytes.set(opening, (s * RECORD_WORDS + OPENING) * WORD_BYTES);
      this.#wordBytes[(s * RECORD_WORDS + LENGTHS) * WORD_BYTES] = opening.length;
      this.#words.fill(-1, s * RECORD_WORDS + TICKS, s * RECORD_WORDS + TICKS + 3);
      this.#words[s * RECORD_WORDS + VOLUME] = Number.NaN;
    }
  }

  /**
   * Writes symbol `s`'s quote at `pos`, then `closing` (`}`, or `,"channel":"quotes"}` for the bus); returns the end.
   * The numbers are read where they live, the NBBO at `nbbo[nbboAt + NBBO_*]` and the tape at `tape[tapeAt + TAPE_*]`,
   * rather than passed: a price or a timestamp passed to a function V8 does not inline is boxed in a fresh HeapNumber.
   */
  write(out: Uint8Array, pos: number, s: number, nbbo: Float64Array, nbboAt: number, tape: Float64Array, tapeAt: number, closing: Uint8Array): number {
    const bidTicks = nbbo[nbboAt + NBBO_BID]!;
    const bidSize = nbbo[nbboAt + NBBO_BID_SIZE]!;
    const askTicks = nbbo[nbboAt + NBBO_ASK]!;
    const askSize = nbbo[nbboAt + NBBO_ASK_SIZE]!;
    const lastTicks = tape[tapeAt + TAPE_LAST]!;
    const volume = tape[tapeAt + TAPE_VOLUME]!;
    const tsMs = tape[tapeAt + TAPE_TS]!;
    if (out !== this.#out) {
      this.#out = out;
      this.#view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    }
    // A price of ten million dollars or more is a feed error: too wide for a slot, and not worth one.
    if (bidTicks >= PRICE_TICKS_MAX || askTicks >= PRICE_TICKS_MAX || lastTicks >= PRICE_TICKS_MAX) {
      return this.#writeUnslotted(out, pos, s, bidTicks, askTicks, bidSize, askSize, lastTicks, volume, tsMs, closing);
    }
    const words = this.#words;
    const record = s * RECORD_WORDS;
    if (words[record + TICKS] !== bidTicks) this.#renderPrice(s, 0, BID, bidTicks);
    if (words[record + TICKS + 1] !== askTicks) this.#renderPrice(s, 1, ASK, askTicks);
    if (words[record + TICKS + 2] !== lastTicks || words[record + VOLUME] !== volume) this.#renderTail(s, lastTicks, volume);
    if (tsMs !== this.#endingMs || closing !== this.#endingClosing) this.#renderEnding(tsMs, closing);
    // Every word this message copies is read first, then everything is stored, with no calls on the common path:
    // a DataView store makes V8 forget what it checked about every array, so a read after a store re-checks the
    // array (map, buffer, bounds; ~12 instructions), while reads before the first store share one check.
    const lengthOf = this.#wordBytes;
    const lengths = (record + LENGTHS) * WORD_BYTES;
    const openingLength = lengthOf[lengths]!;
    const bidLength = lengthOf[lengths + 1]!;
    const askLength = lengthOf[lengths + 2]!;
    const lastLength = lengthOf[lengths + 3]!;
    const opening0 = words[record + OPENING]!;
    const opening1 = words[record + OPENING + 1]!;
    const opening2 = words[record + OPENING + 2]!;
    const opening3 = words[record + OPENING + 3]!;
    const bid0 = words[record + BID]!;
    const bid1 = words[record + BID + 1]!;
    const bid2 = words[record + BID + 2]!;
    const ask0 = words[record + ASK]!;
    const ask1 = words[record + ASK + 1]!;
    const ask2 = words[record + ASK + 2]!;
    const ask3 = words[record + ASK + 3]!;
    const last0 = words[record + LAST]!;
    const last1 = words[record + LAST + 1]!;
    const last2 = words[record + LAST + 2]!;
    const last3 = words[record + LAST + 3]!;
    const ending = this.#ending;
    const endingLength = this.#endingLength;
    const ending0 = ending[0]!;
    const ending1 = ending[1]!;
    const ending2 = ending[2]!;
    const ending3 = ending[3]!;
    const ending4 = ending[4]!;
    const ending5 = ending[5]!;
    const ending6 = ending[6]!;
    const digits = DIGITS.unpadded;
    const digitCount = DIGITS.lengths;
    const view = this.#view;
    let at = pos;
    // The opening is 4 words; each price piece is copied only as far as its length reaches (2 to 4 words).
    view.setFloat64(at, opening0, true);
    view.setFloat64(at + 8, opening1, true);
    view.setFloat64(at + 16, opening2, true);
    view.setFloat64(at + 24, opening3, true);
    at += openingLength;
    view.setFloat64(at, bid0, true);
    view.setFloat64(at + 8, bid1, true);
    if (bidLength > 16) view.setFloat64(at + 16, bid2, true);
    at += bidLength;
    view.setFloat64(at, ask0, true);
    view.setFloat64(at + 8, ask1, true);
    if (askLength > 16) {
      view.setFloat64(at + 16, ask2, true);
      if (askLength > 24) view.setFloat64(at + 24, ask3, true);
    }
    at += askLength;
    if (bidSize >= 0 && bidSize < SMALL_COUNT_LIMIT && (bidSize | 0) === bidSize) {
      view.setInt32(at, digits[bidSize]!, true);
      at += digitCount[bidSize]!;
    } else at = this.#count(view, out, at, bidSize);
    view.setFloat64(at, ASK_SIZE_KEY_WORD0, true);
    view.setFloat64(at + 8, ASK_SIZE_KEY_WORD1, true);
    at += ASK_SIZE_KEY_LENGTH;
    if (askSize >= 0 && askSize < SMALL_COUNT_LIMIT && (askSize | 0) === askSize) {
      view.setInt32(at, digits[askSize]!, true);
      at += digitCount[askSize]!;
    } else at = this.#count(view, out, at, askSize);
    // The tail is 23 bytes before the first trade (3 words), ~31 after (4); longer ones read the rest after the stores.
    view.setFloat64(at, last0, true);
    view.setFloat64(at + 8, last1, true);
    view.setFloat64(at + 16, last2, true);
    if (lastLength > 24) {
      view.setFloat64(at + 24, last3, true);
      for (let k = 32, word = 4; k < lastLength; k += WORD_BYTES, word += 1) view.setFloat64(at + k, words[record + LAST + word]!, true);
    }
    at += lastLength;
    // The ending is 52 bytes for the bus (33 with a `}` closing): seven words always, and the rest of a longer one.
    view.setFloat64(at, ending0, true);
    view.setFloat64(at + 8, ending1, true);
    view.setFloat64(at + 16, ending2, true);
    view.setFloat64(at + 24, ending3, true);
    view.setFloat64(at + 32, ending4, true);
    view.setFloat64(at + 40, ending5, true);
    view.setFloat64(at + 48, ending6, true);
    for (let k = 56, word = 7; k < endingLength; k += WORD_BYTES, word += 1) view.setFloat64(at + k, ending[word]!, true);
    return at + endingLength;
  }

  /** A whole number as String(n) has it: sizes from the digit table, in one or two stores. */
  #count(view: DataView<ArrayBufferLike>, out: Uint8Array, pos: number, n: number): number {
    if (n >= 0 && n < SMALL_COUNT_LIMIT && n === Math.floor(n)) {
      view.setInt32(pos, DIGITS.unpadded[n]!, true);
      return pos + DIGITS.lengths[n]!;
    }
    if (n >= 0 && n < SMALL_COUNT_LIMIT * SMALL_COUNT_LIMIT && n === Math.floor(n)) {
      const high = Math.floor(n / SMALL_COUNT_LIMIT);
      view.setInt32(pos, DIGITS.unpadded[high]!, true);
      const at = pos + DIGITS.lengths[high]!;
      view.setInt32(at, DIGITS.padded[n - high * SMALL_COUNT_LIMIT]!, true);
      return at + 4;
    }
    return writeWhole(out, pos, n);
  }

  /** The tail `,"last":<price or null>,"volume":<volume>` into the symbol's slot, in word stores. */
  #renderTail(s: number, lastTicks: number, volume: number): void {
    const record = s * RECORD_WORDS;
    this.#words[record + VOLUME] = volume;
    const view = this.#wordView;
    const start = (record + LAST) * WORD_BYTES;
    view.setFloat64(start, LAST_KEY_WORD, true);
    this.#renderPrice(s, 2, LAST, lastTicks, LAST_KEY_LENGTH);
    const at = start + this.#wordBytes[(record + LENGTHS) * WORD_BYTES + 3]!;
    this.#wordBytes[(record + LENGTHS) * WORD_BYTES + 3] = this.#count(view, this.#wordBytes, at, volume) - start;
  }

  /**
   * The price piece `"187.42"` (or `null`) and the key after it, into the symbol's slot for the field (`skip` bytes
   * into it), in word stores; the piece's length, from the slot's start, goes into the record's lengths.
   */
  #renderPrice(s: number, field: number, slotWord: number, ticks: number, skip = 0): void {
    this.#words[s * RECORD_WORDS + TICKS + field] = ticks;
    const view = this.#wordView;
    const start = (s * RECORD_WORDS + slotWord) * WORD_BYTES;
    let at = start + skip;
    if (ticks <= 0) {
      view.setFloat64(at, NULL_WORD, true);
      at += 4;
    } else {
      const dollars = Math.floor(ticks / TICKS_PER_DOLLAR);
      const fraction = ticks - dollars * TICKS_PER_DOLLAR;
      view.setUint8(at, QUOTE_MARK);
      at = this.#count(view, this.#wordBytes, at + 1, dollars);
      view.setFloat64(at, FRACTIONS.words[fraction]!, true);
      at += FRACTIONS.lengths[fraction]!;
      view.setUint8(at, QUOTE_MARK);
      at += 1;
    }
    const key = KEY_WORDS[field]!;
    view.setFloat64(at, key[0]!, true);
    view.setFloat64(at + WORD_BYTES, key[1]!, true);
    this.#wordBytes[(s * RECORD_WORDS + LENGTHS) * WORD_BYTES + 1 + field] = at + PRICE_KEYS[field]!.length - start;
  }

  /** The same message a byte at a time, for prices no slot holds. */
  #writeUnslotted(out: Uint8Array, pos: number, s: number, bidTicks: number, askTicks: number, bidSize: number, askSize: number,
    lastTicks: number, volume: number, tsMs: number, closing: Uint8Array): number {
    const record = s * RECORD_WORDS * WORD_BYTES;
    let at = writeBytes(out, pos, this.#wordBytes.subarray(record, record + this.#wordBytes[record + LENGTHS * WORD_BYTES]!));
    at = writeBytes(out, writePriceOrNull(out, at, bidTicks), PRICE_KEYS[0]!);
    at = writeBytes(out, writePriceOrNull(out, at, askTicks), PRICE_KEYS[1]!);
    at = writeBytes(out, writeWhole(out, at, bidSize), ASK_SIZE_KEY);
    at = writeBytes(out, writeWhole(out, at, askSize), LAST_KEY);
    at = writeBytes(out, writePriceOrNull(out, at, lastTicks), PRICE_KEYS[2]!);
    at = writeWhole(out, at, volume);
    at = writeBytes(out, at, TS_KEY);
    at = writeIso(out, at, tsMs);
    out[at] = 0x22;
    return writeBytes(out, at + 1, closing);
  }

  #renderEnding(tsMs: number, closing: Uint8Array): void {
    invariant(closing.length <= CLOSING_BYTES_MAX, `a quote's closing is at most ${CLOSING_BYTES_MAX} bytes`);
    this.#endingMs = tsMs;
    this.#endingClosing = closing;
    const space = new Uint8Array(this.#ending.buffer);
    let at = writeBytes(space, 0, TS_KEY);
    at = writeIso(space, at, tsMs);
    space[at] = 0x22;
    this.#endingLength = writeBytes(space, at + 1, closing);
  }
}

/** Sizes and volume are whole shares; a value beyond exact integers (a feed gone wrong) is written as JavaScript would. */
const writeWhole = (out: Uint8Array, pos: number, n: number): number =>
  Number.isSafeInteger(n) && n >= 0 ? writeUint(out, pos, n) : writeBytes(out, pos, asciiBytes(String(n)));
