import { createHash } from 'node:crypto';

/** Who an ingest key belongs to: its id and its name (metric labels use the name, never the secret). */
export interface IngestKeyIdentity {
  id: string;
  name: string;
}

/**
 * What a key check answers: the key's identity, `true` (valid, identity derived from the key),
 * or `false`/`null` (not a valid ingest key). Throwing means the check could not be made.
 */
export type IngestKeyCheck = IngestKeyIdentity | boolean | null;

/** Checks an ingest API key; the key store lives elsewhere (the API role). */
export type VerifyIngestKey = (key: string) => Promise<IngestKeyCheck>;

/** The key an Authorization header carries, or why there is none. */
export type IngestCredentials = { ok: true; key: string } | { ok: false; reason: string };

const SCHEME = /^(Bearer|ApiKey|Basic)\s+(\S+)\s*$/i;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Vigil API keys are `vgl_<16 hex id>_<secret>`.
const VIGIL_KEY = /^vgl_([0-9a-f]{16})_/;

/**
 * Reads the ingest key from an Authorization header, in every form integrators and
 * Elasticsearch shippers send: `Bearer <key>`, `ApiKey <key>`, `ApiKey base64(<id>:<key>)`
 * (Filebeat's and Logstash's `api_key: "id:key"`), and `Basic base64(<user>:<key>)` (any user
 * name, the key as password).
 */
export function readIngestKey(header: string | undefined): IngestCredentials {
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'no Authorization header' };
  const match = SCHEME.exec(header);
  if (!match) return { ok: false, reason: 'the Authorization header is not "Bearer <key>", "ApiKey <key>" or "Basic <user:key>"' };
  const scheme = match[1]!.toLowerCase();
  const value = match[2]!;
  if (scheme === 'bearer') return { ok: true, key: value };
  if (scheme === 'apikey') {
    const pair = decodePair(value);
    // A key that is not base64 of "id:key" is the key itself (Vigil keys contain "_", never valid base64).
    return { ok: true, key: pair && pair.secret !== '' ? pair.secret : value };
  }
  const pair = decodePair(value);
  if (!pair) return { ok: false, reason: 'the Basic credentials are not base64 of "user:key"' };
  if (pair.secret === '') return { ok: false, reason: 'the Basic credentials have no password (send the ingest key as password)' };
  return { ok: true, key: pair.secret };
}

/** The identity of a valid key when the check did not name it: the id inside a Vigil key, else a hash. */
export function identityOf(key: string, check: IngestKeyCheck): IngestKeyIdentity | null {
  if (check === null || check === false) return null;
  if (check !== true) return check;
  const id = keyId(key);
  return { id, name: id };
}

/** A key's public id: the id part of a Vigil key (`vgl_<id>_…`), else a short hash that does not reveal it. */
export function keyId(key: string): string {
  const vigil = VIGIL_KEY.exec(key);
  if (vigil) return vigil[1]!;
  return `sha256:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

function decodePair(value: string): { user: string; secret: string } | null {
  if (!STRICT_BASE64.test(value)) return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  // Control characters mean this was not text "user:secret" but a key that happens to be base64.
  if (colon < 0 || hasControlCharacters(decoded)) return null;
  return { user: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0xfffd) return true;
  }
  return false;
}
