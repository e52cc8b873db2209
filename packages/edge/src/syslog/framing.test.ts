import { describe, expect, it } from 'vitest';
import { SyslogFrameDecoder, type FrameIssue } from './framing.ts';

type Output = { frame: string } | { quarantine: FrameIssue; bytes: number; size?: number; text: string };

/** Feeds `chunks` to a decoder and returns what came out, in order. */
function decode(chunks: Array<string | Buffer>, maxMessageBytes = 1024, end = true): { out: Output[]; decoder: SyslogFrameDecoder } {
  const out: Output[] = [];
  const decoder = new SyslogFrameDecoder(maxMessageBytes, {
    onFrame: (bytes) => out.push({ frame: bytes.toString('utf8') }),
    onQuarantine: (q) => out.push({ quarantine: q.reason, bytes: q.bytes.length, text: q.bytes.toString('latin1').slice(0, 20), ...(q.size !== undefined && { size: q.size }) }),
  });
  for (const chunk of chunks) decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  if (end) decoder.end();
  return { out, decoder };
}

const A = '<13>1 2025-03-14T12:00:00Z host app - - - first';
const B = '<13>Mar 14 12:00:01 host app: second';
const octet = (message: string) => `${Buffer.byteLength(message)} ${message}`;

/** Every split of `text` into single bytes: the harshest way a stream can arrive. */
const bytewise = (text: string) => [...Buffer.from(text)].map((byte) => Buffer.from([byte]));

describe('octet counting (RFC 6587)', () => {
  it('reads consecutive frames, also when every byte arrives on its own', () => {
    const stream = octet(A) + octet(B);
    expect(decode([stream]).out).toEqual([{ frame: A }, { frame: B }]);
    const { out, decoder } = decode(bytewise(stream));
    expect(out).toEqual([{ frame: A }, { frame: B }]);
    expect(decoder.framing).toBe('octet-counting');
  });

  it('keeps LF inside a frame and tolerates a trailing LF between frames', () => {
    const multiline = '<13>1 - host app - - - line one\nline two';
    expect(decode([`${octet(multiline)}\n${octet(B)}\n`]).out).toEqual([{ frame: multiline }, { frame: B }]);
  });

  it('quarantines an oversized frame, skips exactly its length and reads the next frame', () => {
    const big = `<13>1 - host app - - - ${'x'.repeat(5000)}`;
    const stream = Buffer.from(octet(big) + octet(B));
    const chunks = [stream.subarray(0, 700), stream.subarray(700, 3000), stream.subarray(3000)];
    expect(decode(chunks, 1024).out).toEqual([
      { quarantine: 'frame_too_large', bytes: 1024, size: Buffer.byteLength(big), text: '<13>1 - host app - -' },
      { frame: B },
    ]);
  });

  it('quarantines garbage between frames and resynchronizes on the next <len> <', () => {
    const stream = `${octet(A)}\u0000\u00ff\u0007junk!!${octet(B)}`;
    const out = decode([stream]).out;
    expect(out[0]).toEqual({ frame: A });
    expect(out[1]).toMatchObject({ quarantine: 'bad_octet_count' });
    expect(out[2]).toEqual({ frame: B });
  });

  it('reads an LF-terminated syslog line sent on an octet-counting connection', () => {
    expect(decode([`${octet(A)}${B}\n${octet(A)}`]).out).toEqual([{ frame: A }, { frame: B }, { frame: A }]);
  });

  it('quarantines a frame cut off by the end of the connection', () => {
    expect(decode([`${octet(A)}200 <13>1 - host app - - - cut`]).out).toEqual([
      { frame: A },
      { quarantine: 'truncated_frame', bytes: 26, size: 200, text: '<13>1 - host app - -' },
    ]);
  });

  it('treats a length with a leading zero as malformed', () => {
    const out = decode([`${octet(A)}012 <13>1 - - - x\n${octet(B)}`]).out;
    expect(out[1]).toMatchObject({ quarantine: 'bad_octet_count' });
    expect(out.at(-1)).toEqual({ frame: B });
  });
});

describe('LF framing', () => {
  it('splits on LF, drops the CR of CRLF senders (also mixed on one connection) and skips blank lines', () => {
    const { out, decoder } = decode([`${A}\n${B}\r\n\n${A}\r\n${B}\n`]);
    expect(out).toEqual([{ frame: A }, { frame: B }, { frame: A }, { frame: B }]);
    expect(decoder.framing).toBe('lf');
  });

  it('keeps a NUL inside a line and drops one a sender puts before its LF', () => {
    expect(decode([`${A}\u0000\n${B} with a \u0000 inside\n`]).out).toEqual([{ frame: A }, { frame: `${B} with a \u0000 inside` }]);
  });

  it('joins a line split across chunks and emits an unterminated last line at the end', () => {
    expect(decode(bytewise(`${A}\n${B}`)).out).toEqual([{ frame: A }, { frame: B }]);
    expect(decode([`${A}\n${B}`], 1024, false).out).toEqual([{ frame: A }]);
  });

  it('quarantines an oversized line and continues with the next line', () => {
    const long = `<13>Mar 14 12:00:01 host app: ${'y'.repeat(3000)}`;
    expect(decode([long.slice(0, 1500), long.slice(1500), `\n${B}\n`], 1024).out).toEqual([
      { quarantine: 'frame_too_large', bytes: 1024, text: '<13>Mar 14 12:00:01 ' },
      { frame: B },
    ]);
    expect(decode([`${long}\n${B}\n`], 1024).out).toEqual([
      { quarantine: 'frame_too_large', bytes: 1024, size: Buffer.byteLength(long), text: '<13>Mar 14 12:00:01 ' },
      { frame: B },
    ]);
  });

  it('takes a frame of exactly maxMessageBytes, even when its CR arrives before the LF', () => {
    const exact = `<13>Mar 14 12:00:01 host app: ${'z'.repeat(1024 - 30)}`;
    expect(Buffer.byteLength(exact)).toBe(1024);
    expect(decode([`${exact}\r`, `\n${B}\n`], 1024).out).toEqual([{ frame: exact }, { frame: B }]);
  });

  it('does not mistake a line starting with a date for an octet count', () => {
    const iso = '2025-03-14T12:00:00Z host app: no PRI';
    const { out, decoder } = decode([`${iso}\n${B}\n`]);
    expect(decoder.framing).toBe('lf');
    expect(out).toEqual([{ frame: iso }, { frame: B }]);
  });

  it('reads a long line sent one byte at a time without rescanning it (linear time)', () => {
    const long = `<13>Mar 14 12:00:01 host app: ${'q'.repeat(60_000)}`;
    const started = performance.now();
    const { out } = decode(bytewise(`${long}\n`), 64 * 1024);
    expect(out).toEqual([{ frame: long }]);
    // Quadratic rescanning of 60 KB byte by byte takes many seconds; linear takes milliseconds.
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('NUL framing', () => {
  it('is detected from the first terminator and keeps LF inside messages (multi-line)', () => {
    const multiline = '<11>1 2025-03-14T12:00:00Z app-01 java 77 - - Exception in thread "main"\n\tat Main.run(Main.java:12)\n\tat Main.main(Main.java:3)';
    const { out, decoder } = decode([`${multiline}\u0000${B}\u0000`]);
    expect(decoder.framing).toBe('nul');
    expect(out).toEqual([{ frame: multiline }, { frame: B }]);
  });

  it('works byte by byte and with senders that add CR LF before or after the NUL', () => {
    const { out } = decode(bytewise(`${A}\u0000${B}\r\n\u0000\n${A}\u0000`));
    expect(out).toEqual([{ frame: A }, { frame: B }, { frame: A }]);
  });

  it('quarantines an oversized frame and continues after the next NUL', () => {
    const long = `<13>1 - host app - - - ${'n'.repeat(3000)}\nstill the same frame`;
    expect(decode([`${A}\u0000`, long.slice(0, 2000), long.slice(2000), `\u0000${B}\u0000`], 1024).out).toEqual([
      { frame: A },
      { quarantine: 'frame_too_large', bytes: 1024, text: '<13>1 - host app - -' },
      { frame: B },
    ]);
  });

  it('decides the framing after an oversized first frame by the terminator that ends it', () => {
    const long = `<13>1 - host app - - - ${'n'.repeat(3000)}`;
    const { out, decoder } = decode([long, `\u0000${A}\nline two\u0000`], 1024);
    expect(decoder.framing).toBe('nul');
    expect(out).toEqual([{ quarantine: 'frame_too_large', bytes: 1024, text: '<13>1 - host app - -' }, { frame: `${A}\nline two` }]);
  });
});

describe('garbage', () => {
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const garbage = () => Buffer.from(Array.from({ length: Math.floor(random() * 3000) }, () => Math.floor(random() * 256)));
  const chunked = (stream: Buffer) => {
    const chunks: Buffer[] = [];
    for (let at = 0; at < stream.length; ) {
      const size = 1 + Math.floor(random() * 400);
      chunks.push(stream.subarray(at, at + size));
      at += size;
    }
    return chunks;
  };

  it('never throws; an octet-counting connection reads the frames after garbage and a line break', () => {
    for (let round = 0; round < 200; round++) {
      const stream = Buffer.concat([Buffer.from(octet(A)), garbage(), Buffer.from(`\n${octet(A)}${octet(B)}`)]);
      const { out, decoder } = decode(chunked(stream), 1024);
      expect(decoder.framing).toBe('octet-counting');
      expect(out[0]).toEqual({ frame: A });
      expect(out.slice(-2)).toEqual([{ frame: A }, { frame: B }]);
    }
  });

  it('never throws; an LF-framed connection reads the lines after garbage', () => {
    for (let round = 0; round < 200; round++) {
      // The second line starting with `<` shows LF framing before the garbage comes.
      const stream = Buffer.concat([Buffer.from(`${B}\n${B}\n`), garbage(), Buffer.from(`\n${A}\n${B}\n`)]);
      const { out, decoder } = decode(chunked(stream), 1024);
      expect(decoder.framing).toBe('lf');
      expect(out[0]).toEqual({ frame: B });
      expect(out.slice(-2)).toEqual([{ frame: A }, { frame: B }]);
    }
  });
});
