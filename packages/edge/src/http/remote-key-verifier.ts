import { createHash } from 'node:crypto';
import { edgeErrors } from '../errors.ts';
import { keyId, type IngestKeyIdentity, type VerifyIngestKey } from './auth.ts';

export interface RemoteKeyVerifierOptions {
  /** Base URL of the Vigil API, e.g. `http://api:8080`. */
  apiUrl: string;
  /** How long a valid key is trusted without asking again. */
  validTtlMs: number;
  /** How long a refused key is refused without asking again. */
  invalidTtlMs: number;
  requestTimeoutMs: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/** Roles whose keys may send events. */
const INGEST_ROLES = new Set(['ingest', 'admin']);

/**
 * Ingest-key checks for an edge that runs apart from the API: asks the API who a key belongs
 * to (`GET /api/v1/auth/me`) and caches the answer briefly, by the key's hash (the key itself
 * is never kept). A valid key's identity is its id (from the key) and its name (from the API),
 * for per-key rate limits and metrics. An API that cannot answer makes the check throw, so the
 * edge answers 503 (retry later) instead of wrongly refusing or accepting.
 */
export function createRemoteKeyVerifier(options: RemoteKeyVerifierOptions): VerifyIngestKey {
  const cache = new Map<string, { identity: IngestKeyIdentity | null; until: number }>();
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const meUrl = new URL('/api/v1/auth/me', options.apiUrl).toString();

  return async (key) => {
    const cacheKey = createHash('sha256').update(key).digest('base64url');
    const cached = cache.get(cacheKey);
    if (cached && cached.until > now()) return cached.identity;
    let response: Response;
    try {
      response = await fetchImpl(meUrl, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(options.requestTimeoutMs) });
    } catch (error) {
      throw edgeErrors.create('VIGIL_ERR_EDGE_KEY_CHECK_UNAVAILABLE', { reason: (error as Error).message });
    }
    let identity: IngestKeyIdentity | null = null;
    if (response.status === 200) {
      const body = (await response.json()) as { role?: unknown; name?: unknown };
      if (typeof body.role === 'string' && INGEST_ROLES.has(body.role)) {
        const id = keyId(key);
        identity = { id, name: typeof body.name === 'string' && body.name !== '' ? body.name : id };
      }
    } else if (response.status !== 401 && response.status !== 403) {
      throw edgeErrors.create('VIGIL_ERR_EDGE_KEY_CHECK_UNAVAILABLE', { reason: `API answered ${response.status}` });
    }
    if (cache.size > 10_000) cache.clear();
    cache.set(cacheKey, { identity, until: now() + (identity ? options.validTtlMs : options.invalidTtlMs) });
    return identity;
  };
}
