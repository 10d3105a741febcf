/**
 * Splits a TCP byte stream into whole FIX messages and checks each one's envelope: BeginString first,
 * BodyLength second and equal to the bytes between it and the CheckSum, CheckSum last and equal to the
 * byte sum mod 256. jspurefix's parser trusts both numbers, so the session checks them here; a garbled
 * message is dropped (FIX says so) and the stream resynchronises on the next `8=FIX`.
 */
export const SOH = 0x01;
export const BEGIN_STRING = 'FIX.4.4';
/** A message longer than this is garbage, not an order: resynchronise rather than buffer it. */
export const FRAME_BYTES_MAX = 64 * 1024;

const BEGIN = Buffer.from(`8=${BEGIN_STRING}\x019=`, 'latin1');
const CHECKSUM_FIELD_BYTES = 7; // "10=NNN\x01"

export type FrameEvent = { readonly kind: 'frame'; readonly frame: Buffer } | { readonly kind: 'garbled'; readonly reason: string };

export const checksumOf = (bytes: Buffer, end: number = bytes.length): number => {
  let sum = 0;
  for (let i = 0; i < end; i += 1) sum += bytes[i]!;
  return sum % 256;
};

/** Wraps a body (35=… through the last body field, SOH-terminated) in BeginString, BodyLength and CheckSum. */
export const frameBody = (body: Buffer): Buffer => {
  const head = Buffer.from(`8=${BEGIN_STRING}\x019=${body.length}\x01`, 'latin1');
  const withoutTrailer = Buffer.concat([head, body]);
  const trailer = Buffer.from(`10=${String(checksumOf(withoutTrailer)).padStart(3, '0')}\x01`, 'latin1');
  return Buffer.concat([withoutTrailer, trailer]);
};

export class FixFramer {
  private pending: Buffer = Buffer.alloc(0);

  /** Appends `chunk` and returns every complete message (or garble) it finished, in order. */
  push(chunk: Buffer): FrameEvent[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const events: FrameEvent[] = [];
    for (;;) {
      const event = this.next();
      if (event === undefined) break;
      events.push(event);
    }
    return events;
  }

  private skipTo(offset: number, reason: string): FrameEvent {
    const restart = this.pending.indexOf(BEGIN, Math.max(1, offset));
    this.pending = restart < 0 ? Buffer.alloc(0) : this.pending.subarray(restart);
    return { kind: 'garbled', reason };
  }

  private next(): FrameEvent | undefined {
    const data = this.pending;
    if (data.length < BEGIN.length) return undefined;
    if (data.indexOf(BEGIN) !== 0) return this.skipTo(0, 'message does not start with 8=FIX.4.4|9=');
    const lengthEnd = data.indexOf(SOH, BEGIN.length);
    if (lengthEnd < 0) return data.length > BEGIN.length + 8 ? this.skipTo(1, 'BodyLength not terminated') : undefined;
    const lengthText = data.toString('latin1', BEGIN.length, lengthEnd);
    if (!/^\d{1,6}$/.test(lengthText)) return this.skipTo(1, `BodyLength ${lengthText} is not a number`);
    const bodyLength = Number(lengthText);
    if (bodyLength > FRAME_BYTES_MAX) return this.skipTo(1, `BodyLength ${bodyLength} exceeds ${FRAME_BYTES_MAX}`);
    const bodyEnd = lengthEnd + 1 + bodyLength;
    const frameEnd = bodyEnd + CHECKSUM_FIELD_BYTES;
    if (data.length < frameEnd) return undefined;
    const trailer = data.toString('latin1', bodyEnd, frameEnd);
    const match = /^10=(\d{3})/.exec(trailer);
    if (!match || data[frameEnd - 1] !== SOH) return this.skipTo(1, 'BodyLength does not end at the CheckSum field');
    if (Number(match[1]) !== checksumOf(data, bodyEnd)) return this.skipTo(1, `CheckSum ${match[1]} does not match`);
    const frame = data.subarray(0, frameEnd);
    this.pending = data.subarray(frameEnd);
    return { kind: 'frame', frame };
  }
}
