import type { MessageParser } from '../parser.ts';
import { cefParser } from './cef.ts';
import { haproxyParser } from './haproxy.ts';
import { jsonParser } from './json.ts';
import { kvParser } from './kv.ts';
import { leefParser } from './leef.ts';
import { apacheAccessParser, apacheErrorParser, apacheParser, nginxAccessParser, nginxErrorParser, nginxParser } from './web.ts';

export { cefParser } from './cef.ts';
export { haproxyParser } from './haproxy.ts';
export { jsonParser } from './json.ts';
export { kvParser } from './kv.ts';
export { leefParser } from './leef.ts';
export { apacheAccessParser, apacheErrorParser, apacheParser, nginxAccessParser, nginxErrorParser, nginxParser } from './web.ts';

/**
 * Parsers for formats shared by many products: web servers, load balancers, CEF, LEEF, JSON,
 * key=value. Their names are stable (`byName()` picks them for input that says its format):
 * `nginx`, `apache` (by program: access and error lines), `nginx.access`, `nginx.error`,
 * `apache.access`, `apache.error`, `haproxy`, `cef`, `leef`, `json`, `kv`.
 *
 * Order is the content-probe order: the records that announce themselves (`CEF:`, `LEEF:`, a
 * JSON object) first, then the web and HAProxy shapes, and the generic key=value last.
 */
export const FORMAT_PARSERS: readonly MessageParser[] = [
  cefParser,
  leefParser,
  jsonParser,
  apacheAccessParser,
  nginxErrorParser,
  apacheErrorParser,
  haproxyParser,
  nginxParser,
  apacheParser,
  nginxAccessParser,
  kvParser,
];
