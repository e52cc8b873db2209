/**
 * Syslog over TCP and TLS framing (RFC 6587, RFC 5425). A connection's framing is detected from
 * its first frame: `<len> <msg>` (octet counting) when it starts with digits and a space,
 * otherwise a terminator byte ends each message: LF (CRLF too, the CR is dropped) or NUL,
 * whichever the sender's first frame ends with (an LF inside a NUL-framed first message is
 * recognised when the NUL has arrived with it, as it does when a sender writes whole messages). A frame over the size limit, or bytes that are not a frame,
 * are handed out as quarantined (never silently skipped) and the decoder finds the next frame
 * boundary, so one bad frame never desynchronizes the stream.
 */

/** Why bytes were quarantined instead of parsed. */
export type FrameIssue = 'frame_too_large' | 'bad_octet_count' | 'truncated_frame';

export interface QuarantinedFrame {
  reason: FrameIssue;
  /** The bytes kept: the start of the frame, at most maxMessageBytes. Valid only during the call. */
  bytes: Buffer;
  /** The frame's full size when known (the declared length, or the line length). */
  size?: number;
}

export interface FrameHandler {
  /** A complete message without its framing. The buffer is valid only during the call. */
  onFrame(bytes: Buffer): void;
  onQuarantine(frame: QuarantinedFrame): void;
}

/** How a connection frames its messages: RFC 6587 octet counting, or a terminator byte. */
export type Framing = 'octet-counting' | 'lf' | 'nul';

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SP = 0x20;
const LT = 0x3c;
const MAX_LENGTH_DIGITS = 10;
const MAX_PENDING_CHUNKS = 64;
const EMPTY = Buffer.alloc(0);
const NOTHING: readonly number[] = [];
const EITHER_TERMINATOR: readonly number[] = [LF, NUL];
const LF_ONLY: readonly number[] = [LF];
const NUL_ONLY: readonly number[] = [NUL];
const RESYNC_BYTES: readonly number[] = [LF, NUL, LT];

/** A per-connection decoder: feed it chunks as they arrive, then `end()` when the peer is done. */
export class SyslogFrameDecoder {
  readonly #maxMessageBytes: number;
  readonly #handler: FrameHandler;
  #framing: Framing | undefined;
  /** Bytes received and not consumed yet; joined only once a frame can be complete. */
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Decoding can progress once this many bytes are buffered, or a byte in #wakeOn arrives. */
  #wantBytes = 0;
  #wakeOn: readonly number[] = NOTHING;
  /** Bytes of an oversized octet-counted frame still to be dropped. */
  #skip = 0;
  /** Dropping the rest of an oversized terminated frame, up to its terminator. */
  #discard = false;

  constructor(maxMessageBytes: number, handler: FrameHandler) {
    this.#maxMessageBytes = maxMessageBytes;
    this.#handler = handler;
  }

  /** The framing detected for this connection, once its first frame showed it. */
  get framing(): Framing | undefined {
    return this.#framing;
  }

  /** Feeds bytes as they arrive; every frame they complete is handed out before this returns. */
  push(chunk: Buffer): void {
    let start = 0;
    if (this.#skip > 0) {
      start = Math.min(this.#skip, chunk.length);
      this.#skip -= start;
    }
    if (this.#discard && start < chunk.length) {
      const end = this.#terminatorIndex(chunk, start);
      if (end < 0) return;
      this.#discard = false;
      start = end + 1;
    }
    if (start >= chunk.length) return;
    const rest = start === 0 ? chunk : chunk.subarray(start);
    this.#chunks.push(rest);
    this.#buffered += rest.length;
    // A sender trickling single bytes must not cost a Buffer object per byte: join now and then.
    if (this.#chunks.length > MAX_PENDING_CHUNKS) this.#chunks = [Buffer.concat(this.#chunks, this.#buffered)];
    // Scanning only the new chunk for a wake byte keeps a slow sender's long frame linear, not quadratic.
    if (this.#buffered < this.#wantBytes && !this.#wakeOn.some((byte) => rest.includes(byte))) return;
    this.#drain(false);
  }

  /** The connection ended: an unterminated last line is a message; a partial octet frame is quarantined. */
  end(): void {
    if (this.#buffered > 0) this.#drain(true);
    this.#chunks = [];
    this.#buffered = 0;
  }

  #drain(atEnd: boolean): void {
    const buf = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#buffered);
    let pos = 0;
    this.#wait(0, NOTHING);
    while (pos < buf.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, buf.length - pos);
        this.#skip -= n;
        pos += n;
        continue;
      }
      if (this.#discard) {
        const end = this.#terminatorIndex(buf, pos);
        if (end < 0) {
          pos = buf.length;
          break;
        }
        this.#discard = false;
        pos = end + 1;
        continue;
      }
      if (this.#framing === undefined) {
        if (isSeparator(buf[pos]!)) {
          pos++;
          continue;
        }
        const octets = startsOctetFrame(buf, pos, atEnd);
        if (octets === undefined) {
          this.#wait(buf.length - pos + 1, NOTHING);
          break;
        }
        if (octets) this.#framing = 'octet-counting';
      }
      const next = this.#framing === 'octet-counting' ? this.#octetFrame(buf, pos, atEnd) : this.#terminated(buf, pos, atEnd);
      if (next === pos) break;
      pos = next;
    }
    const rest = buf.length - pos;
    this.#chunks = rest > 0 ? [pos === 0 ? buf : buf.subarray(pos)] : [];
    this.#buffered = rest;
  }

  /** Waits until `bytes` are buffered (counted from the unconsumed start) or one of `wakeOn` arrives. */
  #wait(bytes: number, wakeOn: readonly number[]): void {
    this.#wantBytes = bytes;
    this.#wakeOn = wakeOn;
  }

  /** One octet-counted frame at `pos`; returns the position after it, or `pos` to wait for more. */
  #octetFrame(buf: Buffer, pos: number, atEnd: boolean): number {
    if (isSeparator(buf[pos]!)) return pos + 1;
    const max = this.#maxMessageBytes;
    let i = pos;
    let length = 0;
    while (i < buf.length && i - pos < MAX_LENGTH_DIGITS && isDigit(buf[i]!)) length = length * 10 + (buf[i++]! - 0x30);
    if (i > pos && buf[pos] !== 0x30) {
      if (i === buf.length && !atEnd) {
        this.#wait(i - pos + 1, NOTHING);
        return pos;
      }
      if (buf[i] === SP) {
        const start = i + 1;
        const available = buf.length - start;
        if (length <= max) {
          if (available >= length) {
            this.#handler.onFrame(buf.subarray(start, start + length));
            return start + length;
          }
          if (!atEnd) {
            this.#wait(start + length - pos, NOTHING);
            return pos;
          }
          this.#handler.onQuarantine({ reason: 'truncated_frame', bytes: buf.subarray(start), size: length });
          return buf.length;
        }
        if (available < max && !atEnd) {
          this.#wait(start + max - pos, NOTHING);
          return pos;
        }
        const consumed = Math.min(available, length);
        this.#handler.onQuarantine({ reason: 'frame_too_large', bytes: buf.subarray(start, start + Math.min(consumed, max)), size: length });
        this.#skip = length - consumed;
        return start + consumed;
      }
    }
    return this.#malformedRun(buf, pos, atEnd);
  }

  /**
   * Bytes at `pos` that are not `<len> `: they run to the next LF/NUL or to the next plausible
   * frame (`<len> <`). A run that looks like a syslog line (`<PRI>...`) is a message sent
   * without octet counting; anything else is quarantined.
   */
  #malformedRun(buf: Buffer, pos: number, atEnd: boolean): number {
    const max = this.#maxMessageBytes;
    const resync = findResync(buf, pos + 1, max);
    if (resync === null) {
      if (buf.length - pos > max) {
        this.#emitRun(buf.subarray(pos, pos + max), true);
        return pos + max;
      }
      if (!atEnd) {
        this.#wait(max + 1, RESYNC_BYTES);
        return pos;
      }
      this.#emitRun(buf.subarray(pos), false);
      return buf.length;
    }
    this.#emitRun(buf.subarray(pos, resync.end), false);
    return resync.next;
  }

  #emitRun(bytes: Buffer, oversized: boolean): void {
    const run = trimTerminators(bytes);
    if (run.length === 0) return;
    if (run[0] !== LT) this.#handler.onQuarantine({ reason: 'bad_octet_count', bytes: run });
    else if (oversized) this.#handler.onQuarantine({ reason: 'frame_too_large', bytes: run });
    else this.#handler.onFrame(run);
  }

  /** One LF- or NUL-terminated frame at `pos`; returns the position after it, or `pos` to wait. */
  #terminated(buf: Buffer, pos: number, atEnd: boolean): number {
    const max = this.#maxMessageBytes;
    const end = this.#terminatorIndex(buf, pos);
    if (end < 0) {
      // One byte of slack: a frame of exactly max bytes may still be followed by its CR.
      if (buf.length - pos > max + 1) {
        this.#handler.onQuarantine({ reason: 'frame_too_large', bytes: buf.subarray(pos, pos + max) });
        this.#discard = true;
        return buf.length;
      }
      if (atEnd) {
        const last = trimTerminators(buf.subarray(pos));
        if (last.length > 0) this.#handler.onFrame(last);
        return buf.length;
      }
      this.#wait(max + 2, this.#framing === 'lf' ? LF_ONLY : this.#framing === 'nul' ? NUL_ONLY : EITHER_TERMINATOR);
      return pos;
    }
    if (this.#framing === undefined) {
      this.#framing = terminatorFraming(buf, end);
      // The first terminator seen may be an LF inside a NUL-framed message: cut again.
      if (buf[end] !== (this.#framing === 'lf' ? LF : NUL)) return this.#terminated(buf, pos, atEnd);
    }
    const frame = trimTerminators(buf.subarray(pos, end));
    if (frame.length > max) this.#handler.onQuarantine({ reason: 'frame_too_large', bytes: frame.subarray(0, max), size: frame.length });
    else if (frame.length > 0) this.#handler.onFrame(frame);
    return end + 1;
  }

  /** The next terminator at or after `from`: LF or NUL as detected, either while still unknown. */
  #terminatorIndex(buf: Buffer, from: number): number {
    if (this.#framing === 'lf') return buf.indexOf(LF, from);
    if (this.#framing === 'nul') return buf.indexOf(NUL, from);
    const lf = buf.indexOf(LF, from);
    const nul = buf.indexOf(NUL, from);
    const end = lf < 0 ? nul : nul < 0 ? lf : Math.min(lf, nul);
    if (end < 0 || !this.#discard) return end;
    // Discarding an oversized first frame: the terminator that ends it decides the framing.
    this.#framing = terminatorFraming(buf, end);
    return this.#terminatorIndex(buf, from);
  }
}

/** True when the first frame is digits then a space (octet counting); undefined while still unknown. */
function startsOctetFrame(buf: Buffer, pos: number, atEnd: boolean): boolean | undefined {
  if (buf[pos]! < 0x31 || buf[pos]! > 0x39) return false;
  let i = pos;
  while (i < buf.length && i - pos <= MAX_LENGTH_DIGITS && isDigit(buf[i]!)) i++;
  if (i === buf.length && !atEnd && i - pos <= MAX_LENGTH_DIGITS) return undefined;
  return buf[i] === SP && i - pos <= MAX_LENGTH_DIGITS;
}

/**
 * The framing a connection's first terminator (at `end`) shows. Senders put stray bytes next
 * to their terminator (`msg\0\n`, `msg\n\0`), and NUL framing exists so that messages may
 * hold LFs: an LF followed by more text and then a NUL, before any `\n<`, is inside a message.
 */
function terminatorFraming(buf: Buffer, end: number): 'lf' | 'nul' {
  const next = end + 1 < buf.length ? buf[end + 1]! : -1;
  if (buf[end] === NUL) return next === LF ? 'lf' : 'nul';
  if (next === NUL) return 'nul';
  if (next === LT || next === -1) return 'lf';
  for (let i = end + 1; i < buf.length; i++) {
    const c = buf[i]!;
    if (c === NUL) return 'nul';
    if (c === LF && buf[i + 1] === LT) return 'lf';
    // Control bytes other than tab and line ends are not message text: no evidence of NUL framing.
    if ((c < 0x20 && c !== 0x09 && c !== LF && c !== CR) || c === 0x7f) return 'lf';
  }
  return 'lf';
}

/** Where a malformed run ends: at an LF/NUL (skipped) or where `<len> <` starts; null when undecided. */
function findResync(buf: Buffer, from: number, max: number): { end: number; next: number } | null {
  const limit = Math.min(buf.length, from + max);
  for (let i = from; i < limit; i++) {
    const c = buf[i]!;
    if (c === LF || c === NUL) return { end: i, next: i + 1 };
    if (c < 0x31 || c > 0x39 || isDigit(buf[i - 1]!)) continue;
    let j = i;
    while (j < buf.length && j - i < MAX_LENGTH_DIGITS && isDigit(buf[j]!)) j++;
    if (j + 1 >= buf.length) return null;
    if (buf[j] === SP && buf[j + 1] === LT) return { end: i, next: i };
  }
  return null;
}

/** Drops CR, LF and NUL around a frame: CRLF senders, `msg\0\n` senders, stray bytes between frames. */
function trimTerminators(bytes: Buffer): Buffer {
  let start = 0;
  let end = bytes.length;
  while (end > 0 && isTerminator(bytes[end - 1]!)) end--;
  while (start < end && isTerminator(bytes[start]!)) start++;
  return start === 0 && end === bytes.length ? bytes : end === start ? EMPTY : bytes.subarray(start, end);
}

function isTerminator(c: number): boolean {
  return c === LF || c === CR || c === NUL;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isSeparator(c: number): boolean {
  return c === LF || c === CR || c === NUL || c === SP;
}
