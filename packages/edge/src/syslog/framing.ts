/**
 * Syslog over TCP framing (RFC 6587). A connection's framing is detected from its first frame:
 * `<len> <msg>` (octet counting) when it starts with digits and a space, otherwise
 * non-transparent framing where LF, CRLF or NUL ends a message. A frame over the size limit,
 * or bytes that are not a frame, are handed out as quarantined (never silently skipped) and the
 * decoder finds the next frame boundary, so one bad frame never desynchronizes the stream.
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

export type Framing = 'octet-counting' | 'non-transparent';

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SP = 0x20;
const LT = 0x3c;
const MAX_LENGTH_DIGITS = 10;
const EMPTY = Buffer.alloc(0);

/** A per-connection decoder: feed it chunks as they arrive, then `end()` when the peer is done. */
export class SyslogFrameDecoder {
  readonly #maxMessageBytes: number;
  readonly #handler: FrameHandler;
  #framing: Framing | undefined;
  #buffer: Buffer = EMPTY;
  /** Bytes at the start of the buffer already known to hold no delimiter (LF framing). */
  #scanned = 0;
  /** Bytes of an oversized octet-counted frame still to be skipped. */
  #skip = 0;
  /** Discarding the rest of an oversized LF-framed line. */
  #discardLine = false;

  constructor(maxMessageBytes: number, handler: FrameHandler) {
    this.#maxMessageBytes = maxMessageBytes;
    this.#handler = handler;
  }

  /** The framing detected for this connection, once its first frame has started. */
  get framing(): Framing | undefined {
    return this.#framing;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    this.#drain(false);
  }

  /** The connection ended: an unterminated last line is a message; a partial octet frame is quarantined. */
  end(): void {
    this.#drain(true);
    this.#buffer = EMPTY;
    this.#scanned = 0;
  }

  #drain(atEnd: boolean): void {
    const buf = this.#buffer;
    let pos = 0;
    while (pos < buf.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, buf.length - pos);
        this.#skip -= n;
        pos += n;
        continue;
      }
      if (this.#discardLine) {
        const idx = delimiterIndex(buf, pos);
        if (idx < 0) {
          pos = buf.length;
          break;
        }
        this.#discardLine = false;
        pos = idx + 1;
        continue;
      }
      if (this.#framing === undefined) {
        if (isSeparator(buf[pos]!)) {
          pos++;
          continue;
        }
        const detected = detectFraming(buf, pos, atEnd);
        if (detected === undefined) break;
        this.#framing = detected;
      }
      const next = this.#framing === 'octet-counting' ? this.#octetFrame(buf, pos, atEnd) : this.#line(buf, pos, atEnd);
      if (next === pos) break;
      pos = next;
    }
    this.#buffer = pos >= buf.length ? EMPTY : buf.subarray(pos);
  }

  /** One octet-counted frame at `pos`; returns the position after it, or `pos` to wait for more. */
  #octetFrame(buf: Buffer, pos: number, atEnd: boolean): number {
    if (isSeparator(buf[pos]!)) return pos + 1;
    const max = this.#maxMessageBytes;
    let i = pos;
    let length = 0;
    while (i < buf.length && i - pos < MAX_LENGTH_DIGITS && isDigit(buf[i]!)) length = length * 10 + (buf[i++]! - 0x30);
    const digits = i - pos;
    if (digits > 0 && buf[pos] !== 0x30) {
      if (i === buf.length) return atEnd ? this.#malformedRun(buf, pos, atEnd) : pos;
      if (buf[i] === SP) {
        const start = i + 1;
        const available = buf.length - start;
        if (length <= max) {
          if (available >= length) {
            this.#handler.onFrame(buf.subarray(start, start + length));
            return start + length;
          }
          if (!atEnd) return pos;
          this.#handler.onQuarantine({ reason: 'truncated_frame', bytes: buf.subarray(start), size: length });
          return buf.length;
        }
        if (available < max && !atEnd) return pos;
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
      if (!atEnd) return pos;
      this.#emitRun(buf.subarray(pos), false);
      return buf.length;
    }
    this.#emitRun(buf.subarray(pos, resync.end), false);
    return resync.next;
  }

  #emitRun(bytes: Buffer, oversized: boolean): void {
    const run = trimCr(bytes);
    if (run.length === 0) return;
    if (run[0] !== LT) this.#handler.onQuarantine({ reason: 'bad_octet_count', bytes: run });
    else if (oversized) this.#handler.onQuarantine({ reason: 'frame_too_large', bytes: run });
    else this.#handler.onFrame(run);
  }

  /** One LF/CRLF/NUL-terminated line at `pos`; returns the position after it, or `pos` to wait. */
  #line(buf: Buffer, pos: number, atEnd: boolean): number {
    const max = this.#maxMessageBytes;
    const idx = delimiterIndex(buf, pos + this.#scanned);
    if (idx < 0) {
      if (buf.length - pos > max) {
        this.#scanned = 0;
        this.#handler.onQuarantine({ reason: 'frame_too_large', bytes: buf.subarray(pos, pos + max) });
        this.#discardLine = true;
        return buf.length;
      }
      if (atEnd) {
        this.#scanned = 0;
        const last = trimCr(buf.subarray(pos));
        if (last.length > 0) this.#handler.onFrame(last);
        return buf.length;
      }
      this.#scanned = buf.length - pos;
      return pos;
    }
    this.#scanned = 0;
    const line = trimCr(buf.subarray(pos, idx));
    if (line.length > max) this.#handler.onQuarantine({ reason: 'frame_too_large', bytes: line.subarray(0, max), size: line.length });
    else if (line.length > 0) this.#handler.onFrame(line);
    return idx + 1;
  }
}

/** Octet counting when the first frame is digits then a space; undefined while still unknown. */
function detectFraming(buf: Buffer, pos: number, atEnd: boolean): Framing | undefined {
  if (buf[pos]! < 0x31 || buf[pos]! > 0x39) return 'non-transparent';
  let i = pos;
  while (i < buf.length && i - pos <= MAX_LENGTH_DIGITS && isDigit(buf[i]!)) i++;
  if (i === buf.length && !atEnd && i - pos <= MAX_LENGTH_DIGITS) return undefined;
  return buf[i] === SP && i - pos <= MAX_LENGTH_DIGITS ? 'octet-counting' : 'non-transparent';
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

function delimiterIndex(buf: Buffer, from: number): number {
  const lf = buf.indexOf(LF, from);
  const nul = buf.indexOf(NUL, from);
  if (lf < 0) return nul;
  if (nul < 0) return lf;
  return Math.min(lf, nul);
}

function trimCr(bytes: Buffer): Buffer {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === CR) end--;
  return end === bytes.length ? bytes : bytes.subarray(0, end);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isSeparator(c: number): boolean {
  return c === LF || c === CR || c === NUL || c === SP;
}
