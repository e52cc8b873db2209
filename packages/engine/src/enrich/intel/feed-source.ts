import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '@vigil/runtime';
import { intelErrors } from './errors.ts';

/** HTTP authentication for a feed: basic (username and password) or a bearer token. */
export type FeedAuth = { username: string; password: string } | { token: string };

/** Reads one feed document (a file path or an http(s) URL) as text. */
export type ReadText = (location: string) => Promise<string>;

/** How feed documents are read. */
export interface ReaderOptions {
  /** Largest document accepted; a bigger one is refused, never read whole into memory. */
  maxBytes: number;
  timeoutMs: number;
  auth?: FeedAuth;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Aborts reads in flight (the feeds component stopping). */
  signal?: AbortSignal;
}

/** True for `http://` and `https://` locations; anything else is a file path. */
export const isHttpLocation = (location: string): boolean => /^https?:\/\//i.test(location);

/** The `Authorization` header for a feed's credentials. */
export function authorizationHeader(auth: FeedAuth | undefined): Record<string, string> {
  if (auth === undefined) return {};
  if ('token' in auth) return { authorization: `Bearer ${auth.token}` };
  return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
}

/** `name` inside a base location: a file in a directory, or a URL relative to a base URL. */
export function locationIn(base: string, name: string): string {
  if (!isHttpLocation(base)) return join(base, name);
  return new URL(name, base.endsWith('/') ? base : `${base}/`).toString();
}

/**
 * A reader of feed documents: files with fs, URLs with `fetch` (credentials sent, redirects
 * followed, non-2xx refused). Every failure is a `VIGIL_ERR_INTEL_FEED_*` error naming the location.
 */
export function textReader(options: ReaderOptions): ReadText {
  return async (location) => {
    try {
      return isHttpLocation(location) ? await fetchText(location, options) : await readFileText(location, options.maxBytes);
    } catch (error) {
      if (intelErrors.is(error)) throw error;
      throw intelErrors.create('VIGIL_ERR_INTEL_FEED_UNREADABLE', { location, reason: describeError(error) }, { cause: error });
    }
  };
}

async function readFileText(path: string, maxBytes: number): Promise<string> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    if (size > maxBytes) throw intelErrors.create('VIGIL_ERR_INTEL_FEED_TOO_LARGE', { location: path, maxBytes });
    return await file.readFile('utf8');
  } finally {
    await file.close();
  }
}

async function fetchText(url: string, options: ReaderOptions): Promise<string> {
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
  const response = await (options.fetch ?? fetch)(url, { headers: authorizationHeader(options.auth), signal: AbortSignal.any(signals) });
  return responseText(response, url, options.maxBytes);
}

/** A response body as text, refusing a non-2xx status and bodies over `maxBytes` (counted as they stream). */
export async function responseText(response: Response, location: string, maxBytes: number): Promise<string> {
  if (!response.ok) {
    await response.body?.cancel();
    throw intelErrors.create('VIGIL_ERR_INTEL_FEED_UNREADABLE', { location, reason: `HTTP ${response.status} ${response.statusText}`.trim() });
  }
  const tooLarge = () => intelErrors.create('VIGIL_ERR_INTEL_FEED_TOO_LARGE', { location, maxBytes });
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for await (const chunk of response.body) {
    bytes += chunk.byteLength;
    if (bytes > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
