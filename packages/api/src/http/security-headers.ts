/**
 * Headers on every response, API and dashboard alike. The dashboard has no inline scripts or
 * styles, so the CSP can forbid them; nothing may frame it.
 */
export const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['Content-Security-Policy', "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"],
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Frame-Options', 'DENY'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
];

/** Tells browsers to use HTTPS only for this host, for a year: sent only when the API serves HTTPS. */
export const HSTS_HEADER = ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'] as const;

/** The headers for a server with or without TLS. */
export function securityHeaders(tls: boolean): ReadonlyArray<readonly [string, string]> {
  return tls ? [...SECURITY_HEADERS, HSTS_HEADER] : SECURITY_HEADERS;
}
