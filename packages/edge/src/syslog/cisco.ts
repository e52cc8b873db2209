import type { CiscoTag } from './syslog-message.ts';

/**
 * The parts of Cisco syslog lines that are not RFC 3164: the sequence number before the time
 * (`123: `), uptime instead of a date, and the `%FACILITY-SEVERITY-MNEMONIC:` tag that IOS,
 * NX-OS, ASA, PIX and FTD put before the text.
 */

/** Cisco products whose `%FAC-…` facility names the product itself (`observer.product`). */
export const CISCO_FIREWALLS: ReadonlySet<string> = new Set(['ASA', 'PIX', 'FTD', 'FWSM']);

const MAX_TAG_LENGTH = 96;
const MAX_SEQUENCE_DIGITS = 10;

/** `digits: ` at `pos` (a sequence number); returns the index after the space, or -1. */
export function scanSequence(line: string, pos: number): number {
  let p = pos;
  while (p - pos < MAX_SEQUENCE_DIGITS && isDigit(line.charCodeAt(p))) p++;
  if (p === pos || line.charCodeAt(p) !== 0x3a || line.charCodeAt(p + 1) !== 0x20) return -1;
  return p + 2;
}

/**
 * Uptime where a date would be (`service timestamps log uptime`): `00:10:24: `, `00:10:24.355: `,
 * `1w2d: ` or `3d04h: `. Returns the index after it, or -1.
 */
export function scanUptime(line: string, pos: number): number {
  let p = pos;
  let units = 0;
  while (p < line.length && p - pos < 24) {
    const c = line.charCodeAt(p);
    if (isDigit(c) || c === 0x3a || c === 0x2e) p++;
    else if (c === 0x79 || c === 0x77 || c === 0x64 || c === 0x68 || c === 0x6d) {
      units++;
      p++;
    } else break;
  }
  // Ends with ": "; the colon is the last character scanned.
  if (p - pos < 3 || line.charCodeAt(p - 1) !== 0x3a || line.charCodeAt(p) !== 0x20) return -1;
  const body = p - 1 - pos;
  if (units === 0 && !(body >= 8 && line.charCodeAt(pos + 2) === 0x3a && line.charCodeAt(pos + 5) === 0x3a)) return -1;
  return p + 1;
}

/**
 * `%FACILITY[-SUB]-SEVERITY-MNEMONIC:` at `pos`, followed by a space or the end of the line.
 * The severity is the last single digit 0-7 that has a mnemonic after it, so IOS XR's
 * `%MGBL-CONFIG-6-DB_COMMIT` has facility `MGBL-CONFIG`. Returns the tag and the index of the
 * text after it, or null.
 */
export function scanCiscoTag(line: string, pos: number): { tag: CiscoTag; end: number } | null {
  if (line.charCodeAt(pos) !== 0x25 /* % */) return null;
  const first = line.charCodeAt(pos + 1);
  if (first < 0x41 || first > 0x5a) return null;
  let p = pos + 1;
  for (; p < line.length && p - pos <= MAX_TAG_LENGTH; p++) {
    const c = line.charCodeAt(p);
    if (c === 0x3a) break;
    if (!(isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2d)) return null;
  }
  if (line.charCodeAt(p) !== 0x3a || (p + 1 < line.length && line.charCodeAt(p + 1) !== 0x20)) return null;
  const parts = line.slice(pos + 1, p).split('-');
  for (let i = parts.length - 2; i >= 1; i--) {
    const part = parts[i]!;
    if (part.length !== 1 || part.charCodeAt(0) < 0x30 || part.charCodeAt(0) > 0x37) continue;
    const facility = parts.slice(0, i).join('-');
    const mnemonic = parts.slice(i + 1).join('-');
    if (facility === '' || mnemonic === '') return null;
    return { tag: { facility, severity: part.charCodeAt(0) - 0x30, mnemonic }, end: Math.min(p + 2, line.length) };
  }
  return null;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
