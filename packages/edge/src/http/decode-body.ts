import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { VigilError } from '@vigil/runtime';
import { edgeErrors } from '../errors.ts';
import type { ItemError } from './prepare-events.ts';

const gunzipAsync = promisify(gunzip);

const JSON_TYPES = new Set(['application/json']);
const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl']);

/** One event as it came in: its position in the request, its parsed value and, when known, its own JSON text. */
export interface BodyItem {
  /** Array index, or NDJSON line index (0-based, blank lines counted). */
  index: number;
  value: unknown;
  text?: string;
}

export type DecodedBody = { ok: true; items: BodyItem[] } | { ok: false; error: VigilError; errors?: ItemError[] };

/**
 * Turns a request body into events: gunzips it (within `maxBodyBytes`), then reads one JSON
 * object, a JSON array, or NDJSON (one JSON value per line), at most `maxLines` lines or array
 * items. Malformed JSON fails the whole request; for NDJSON every bad line is listed by index.
 */
export async function decodeBody(
  body: Buffer | undefined,
  contentType: string | undefined,
  contentEncoding: string | undefined,
  limits: { maxBodyBytes: number; maxLines: number },
): Promise<DecodedBody> {
  const media = mediaTypeOf(contentType) ?? 'application/json';
  const ndjson = NDJSON_TYPES.has(media);
  if (!ndjson && !JSON_TYPES.has(media)) {
    return fail(edgeErrors.create('VIGIL_ERR_EDGE_HTTP_UNSUPPORTED_MEDIA_TYPE', { type: media, expected: 'application/json or application/x-ndjson' }));
  }
  const text = await inflateBody(body, contentEncoding, limits.maxBodyBytes);
  if (typeof text !== 'string') return fail(text);
  return ndjson ? splitNdjson(text, limits.maxLines) : parseJson(text, limits.maxLines);
}

/** The media type of a Content-Type header, lower-cased, without parameters; undefined when absent. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  const media = contentType?.split(';')[0]!.trim().toLowerCase();
  return media === '' ? undefined : media;
}

/**
 * A request body as UTF-8 text: gunzipped when `Content-Encoding: gzip` (the decompressed size
 * also held to `maxBodyBytes`, against gzip bombs), without a byte-order mark. Returns the error
 * to answer with when the encoding is unknown or the gzip is bad or too large.
 */
export async function inflateBody(body: Buffer | undefined, contentEncoding: string | undefined, maxBodyBytes: number): Promise<string | VigilError> {
  const encoding = contentEncoding?.trim().toLowerCase();
  let bytes = body ?? Buffer.alloc(0);
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    try {
      bytes = await gunzipAsync(bytes, { maxOutputLength: maxBodyBytes });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return edgeErrors.create('VIGIL_ERR_EDGE_HTTP_BODY_TOO_LARGE', { max: maxBodyBytes });
      return edgeErrors.create('VIGIL_ERR_EDGE_HTTP_BAD_GZIP', { reason: (error as Error).message });
    }
  } else if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    return edgeErrors.create('VIGIL_ERR_EDGE_HTTP_UNSUPPORTED_ENCODING', { encoding });
  }
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Splits text into lines (LF or CRLF), or returns null when it has more than `maxLines` (a trailing newline does not count). */
export function splitLines(text: string, maxLines: number): string[] | null {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length > maxLines) return null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  return lines;
}

function parseJson(text: string, maxLines: number): DecodedBody {
  const trimmed = text.trim();
  if (trimmed === '') return fail(edgeErrors.create('VIGIL_ERR_EDGE_HTTP_BAD_BODY', { reason: 'the body is empty' }));
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    return fail(edgeErrors.create('VIGIL_ERR_EDGE_HTTP_INVALID_JSON', { reason: (error as Error).message }));
  }
  if (Array.isArray(value)) {
    if (value.length > maxLines) return fail(edgeErrors.create('VIGIL_ERR_EDGE_HTTP_TOO_MANY_LINES', { max: maxLines }));
    return { ok: true, items: value.map((item: unknown, index) => ({ index, value: item })) };
  }
  if (value !== null && typeof value === 'object') return { ok: true, items: [{ index: 0, value, text: trimmed }] };
  return fail(edgeErrors.create('VIGIL_ERR_EDGE_HTTP_BAD_BODY', { reason: `the top level is ${value === null ? 'null' : typeof value}` }));
}

function splitNdjson(text: string, maxLines: number): DecodedBody {
  const items: BodyItem[] = [];
  const errors: ItemError[] = [];
  const lines = splitLines(text, maxLines);
  if (!lines) return fail(edgeErrors.create('VIGIL_ERR_EDGE_HTTP_TOO_MANY_LINES', { max: maxLines }));
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '') continue;
    try {
      items.push({ index, value: JSON.parse(line), text: line });
    } catch (error) {
      const problem = edgeErrors.create('VIGIL_ERR_EDGE_HTTP_INVALID_NDJSON_LINE', { reason: (error as Error).message });
      errors.push({ index, code: 'VIGIL_ERR_EDGE_HTTP_INVALID_NDJSON_LINE', message: problem.message });
    }
  }
  if (errors.length > 0) {
    const first = errors[0]!;
    const error = edgeErrors.create('VIGIL_ERR_EDGE_HTTP_INVALID_NDJSON', { count: errors.length, index: first.index, reason: first.message });
    return { ok: false, error, errors };
  }
  if (items.length === 0) return fail(edgeErrors.create('VIGIL_ERR_EDGE_HTTP_BAD_BODY', { reason: 'the body has no NDJSON lines' }));
  return { ok: true, items };
}

function fail(error: VigilError): DecodedBody {
  return { ok: false, error };
}
