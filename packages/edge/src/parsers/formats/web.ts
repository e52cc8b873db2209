import type { MessageParser } from '../parser.ts';
import { looksLikeAccessLine, parseAccessLine } from './web-access.ts';
import { looksLikeApacheError, looksLikeNginxError, parseApacheError, parseNginxError } from './web-error.ts';

/**
 * nginx over syslog (program `nginx`, as `access_log syslog:` and `error_log syslog:` tag it):
 * access lines (dataset `nginx.access`) and error lines (`nginx.error`), told apart by shape.
 */
export const nginxParser: MessageParser = {
  name: 'nginx',
  programs: ['nginx'],
  probe: () => false,
  parse: (message) => (looksLikeNginxDate(message) ? parseNginxError(message) : parseAccessLine(message, 'nginx')),
};

/**
 * Apache httpd over syslog (programs `apache2`, `httpd`, `apache`): access lines (dataset
 * `apache.access`) and error lines (`apache.error`, they start with `[`).
 */
export const apacheParser: MessageParser = {
  name: 'apache',
  programs: ['apache2', 'httpd', 'apache'],
  probe: () => false,
  parse: (message) => (message.charCodeAt(0) === 0x5b /* [ */ ? parseApacheError(message) : parseAccessLine(message, 'apache')),
};

/** nginx access lines only (`nginx.access`): for input that names its format, and rsyslog imfile tags. */
export const nginxAccessParser: MessageParser = {
  name: 'nginx.access',
  programs: ['nginx-access', 'nginx_access'],
  probe: () => false,
  parse: (message) => parseAccessLine(message, 'nginx'),
};

/**
 * Apache access lines only (`apache.access`). Also the parser for a line of the NCSA
 * common/combined shape from an unknown program: the format is Apache's by origin.
 */
export const apacheAccessParser: MessageParser = {
  name: 'apache.access',
  programs: ['apache-access', 'apache_access', 'httpd-access', 'httpd_access', 'apache2-access'],
  probe: looksLikeAccessLine,
  parse: (message) => parseAccessLine(message, 'apache'),
};

/** nginx error-log lines only (`nginx.error`). */
export const nginxErrorParser: MessageParser = {
  name: 'nginx.error',
  programs: ['nginx-error', 'nginx_error'],
  probe: looksLikeNginxError,
  parse: parseNginxError,
};

/** Apache httpd error-log lines only (`apache.error`). */
export const apacheErrorParser: MessageParser = {
  name: 'apache.error',
  programs: ['apache-error', 'apache_error', 'httpd-error', 'httpd_error', 'apache2-error'],
  probe: looksLikeApacheError,
  parse: parseApacheError,
};

function looksLikeNginxDate(message: string): boolean {
  const c = message.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 && message.charCodeAt(4) === 0x2f /* / */;
}
