/**
 * IP address parsing into numbers, without regexes or allocation: the classifier and the MMDB
 * reader both run per event, so they parse into a caller-owned `Uint32Array(4)`.
 */

/** Eight 16-bit groups of the IPv6 address being parsed (module scratch; parsing is synchronous). */
const groups = new Uint16Array(8);

/**
 * Parses `text` as an IPv4 or IPv6 address into `out` and returns 4, 6, or 0 when `text` is not
 * an address. IPv4: `out[0]` is the address as an unsigned 32-bit number. IPv6: `out[0..3]` are
 * the 128 bits, most significant word first. A zone (`fe80::1%eth0`) is accepted and ignored.
 * Dotted parts with leading zeros (`010.0.0.1`) are rejected, as `node:net`'s `isIP` does.
 */
export function parseIp(text: string, out: Uint32Array): 0 | 4 | 6 {
  const colon = text.indexOf(':');
  if (colon < 0) {
    const value = parseIpv4(text, 0, text.length);
    if (value < 0) return 0;
    out[0] = value;
    return 4;
  }
  const zone = text.indexOf('%');
  if (zone === 0 || zone === text.length - 1) return 0;
  return parseIpv6(text, zone < 0 ? text.length : zone, out) ? 6 : 0;
}

/** True when the parsed IPv6 address is IPv4-mapped (`::ffff:a.b.c.d`); its IPv4 address is `out[3]`. */
export function isIpv4Mapped(words: Uint32Array): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
}

/** Parses dotted-quad `text[start, end)`; the address as an unsigned number, or -1. */
export function parseIpv4(text: string, start: number, end: number): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function parseIpv6(text: string, end: number, out: Uint32Array): boolean {
  let count = 0;
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    let value = 0;
    let j = i;
    for (; j < end; j++) {
      const digit = hexValue(text.charCodeAt(j));
      if (digit < 0) break;
      value = value * 16 + digit;
    }
    if (j < end && text.charCodeAt(j) === 46) {
      const v4 = count <= 6 ? parseIpv4(text, i, end) : -1;
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      break;
    }
    if (j === i || j - i > 4 || count === 8) return false;
    groups[count++] = value;
    if (j === end) break;
    if (text.charCodeAt(j) !== 58) return false;
    j++;
    if (j < end && text.charCodeAt(j) === 58) {
      if (gap >= 0) return false;
      gap = count;
      j++;
    } else if (j === end) {
      return false;
    }
    i = j;
  }
  if (gap < 0) {
    if (count !== 8) return false;
  } else {
    if (count === 8) return false;
    const shift = 8 - count;
    for (let k = count - 1; k >= gap; k--) groups[k + shift] = groups[k]!;
    for (let k = gap; k < gap + shift; k++) groups[k] = 0;
  }
  for (let w = 0; w < 4; w++) out[w] = (groups[2 * w]! << 16) | groups[2 * w + 1]!;
  return true;
}
