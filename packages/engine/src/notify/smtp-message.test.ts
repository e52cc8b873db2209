import { describe, expect, it } from 'vitest';
import { dotStuff } from './smtp-client.ts';
import { buildMessage, encodeHeaderValue, quotedPrintable } from './smtp-message.ts';
import { bodyOf, decodeWords, headerOf } from './smtp-test-server.ts';

const mail = (subject: string, text: string) =>
  buildMessage({ from: 'vigil@example.com', to: ['soc@example.com'], subject, text, date: new Date('2025-03-14T12:00:11Z'), messageId: 'd1@example.com' });

describe('mail message', () => {
  it('keeps a subject from the watched systems on one header line, so it cannot add headers', () => {
    const raw = mail('[Vigil] HIGH: login from x\r\nBcc: everyone@example.com', 'body');
    expect(headerOf(raw, 'Bcc')).toBeUndefined();
    expect(headerOf(raw, 'Subject')).toBe('[Vigil] HIGH: login from x Bcc: everyone@example.com');
    expect(headerOf(raw, 'Date')).toBe('Fri, 14 Mar 2025 12:00:11 +0000');
  });

  it('encodes non-ASCII subjects in short RFC 2047 words that decode to the original, emoji included', () => {
    const subject = `[Vigil] CRITICAL: ${'Überwachung verdächtiger Anmeldungen 🔐 '.repeat(4).trim()}`;
    const encoded = encodeHeaderValue(subject);
    expect(encoded.split('\r\n ').every((word) => /^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/.test(word) && word.length <= 75)).toBe(true);
    expect(decodeWords(headerOf(mail(subject, 'x'), 'Subject')!)).toBe(subject);
  });

  it('writes quoted-printable lines of at most 76 characters that decode to the text, trailing spaces kept', () => {
    const text = `${'Größe=42 '.repeat(30)}\nline with trailing space \n\ttab\n.`;
    const encoded = quotedPrintable(text);
    expect(encoded.split('\r\n').every((line) => line.length <= 76 && /^[\t\x20-\x7e]*$/.test(line))).toBe(true);
    expect(encoded).toContain('line with trailing space=20\r\n');
    expect(bodyOf(`X: y\r\n\r\n${encoded}`)).toBe(text.replace(/\n/g, '\r\n'));
  });

  it('dot-stuffs every line that starts with a dot and ends the data with CRLF', () => {
    expect(dotStuff('.\n.hidden\r\nplain\r..x')).toBe('..\r\n..hidden\r\nplain\r\n...x\r\n');
  });
});
