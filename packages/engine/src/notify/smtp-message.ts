/**
 * An RFC 5322 plain-text mail: headers (non-ASCII encoded per RFC 2047), a UTF-8 body in
 * quoted-printable (RFC 2045), CRLF line endings. Quoted-printable keeps every body line
 * short and 7-bit, so any relay takes it whether or not it offers 8BITMIME.
 */

/** What a mail is made of. */
export interface MailContent {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly date: Date;
  /** Without angle brackets, e.g. `7c9e…@example.com`. */
  readonly messageId: string;
  /** More headers (ASCII names; values are encoded like the subject). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The whole message, headers and body, with CRLF line endings (not yet dot-stuffed). */
export function buildMessage(mail: MailContent): string {
  const headers = [
    `From: ${mail.from}`,
    // One address per line: a long recipient list would pass the 998-character line limit.
    `To: ${mail.to.join(',\r\n ')}`,
    `Subject: ${encodeHeaderValue(mail.subject)}`,
    `Date: ${rfc5322Date(mail.date)}`,
    `Message-ID: <${mail.messageId}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    // RFC 3834: keeps vacation responders from answering the alert mailbox.
    'Auto-Submitted: auto-generated',
    ...Object.entries(mail.headers ?? {}).map(([name, value]) => `${name}: ${encodeHeaderValue(value)}`),
  ];
  return `${headers.join('\r\n')}\r\n\r\n${quotedPrintable(mail.text)}\r\n`;
}

/**
 * A header value: printable ASCII as it is, anything else as RFC 2047 `=?UTF-8?B?…?=`
 * encoded-words (at most 64 characters each), folded onto continuation lines. Line breaks in the
 * value become spaces first, so a value can never start a header of its own.
 */
export function encodeHeaderValue(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  const flat = value.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  if (/^[\x20-\x7e]*$/.test(flat)) return flat;
  const words: string[] = [];
  let chunk = '';
  let chunkBytes = 0;
  for (const char of flat) {
    const bytes = Buffer.byteLength(char);
    // 39 bytes make 52 base64 characters, 64 with `=?UTF-8?B?` and `?=`: within the 75 an
    // encoded-word may have, and `Subject: ` plus the first word stays within 78 characters.
    if (chunkBytes + bytes > 39) {
      words.push(encodedWord(chunk));
      chunk = '';
      chunkBytes = 0;
    }
    chunk += char;
    chunkBytes += bytes;
  }
  if (chunk) words.push(encodedWord(chunk));
  return words.join('\r\n ');
}

function encodedWord(text: string): string {
  return `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

/** UTF-8 text as quoted-printable, CRLF line breaks, encoded lines at most 76 characters. */
export function quotedPrintable(text: string): string {
  return text.split(/\r\n|\r|\n/).map(quotedPrintableLine).join('\r\n');
}

function quotedPrintableLine(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  let out = '';
  let current = '';
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index]!;
    const whitespace = byte === 0x20 || byte === 0x09;
    // Literal: printable ASCII except `=`; space and tab too, unless they end the line (trailing
    // whitespace may be stripped in transit).
    const literal = (byte >= 0x21 && byte <= 0x7e && byte !== 0x3d) || (whitespace && index < bytes.length - 1);
    const token = literal ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    if (current.length + token.length > 75) {
      out += `${current}=\r\n`;
      current = '';
    }
    current += token;
  }
  return out + current;
}

/** `Fri, 14 Mar 2025 12:00:00 +0000`. */
export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}
