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
 * object, a JSON array, or NDJSON (one JSON value per line). Malformed JSON fails the whole
 * request; for NDJSON every bad line is listed by index.
 */
export async function decodeBody(body: Buffer | undefined, contentType: string | undefined, contentEncoding: string | undefined, maxBodyBytes: number): Promise<DecodedBody> {
  const media = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  const ndjson = NDJSON_TYPES.has(media);
  if (!ndjson && !JSON_TYPES.has(media)) return fail(edgeErrors.create('VIGIL_ERR_EDGE_HTTP_UNSUPPORTED_MEDIA_TYPE', { type: media }));
  const encoding = contentEncoding?.trim().toLowerCase();
  let bytes = body ?? Buffer.alloc(0);
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    try {
      bytes = await gunzipAsync(bytes, { maxOutputLength: maxBodyBytes });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        return fail(edgeErrors.create('VIGIL_ERR_EDGE_HTTP_BODY_TOO_LARGE', { max: maxBodyBytes }));
      }
      return fail(edgeErrors.create('VIGIL_ERR_EDGE_HTTP_BAD_GZIP', { reason: (error as Error).message }));
    }
  } else if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    return fail(edgeErrors.create('VIGIL_ERR_EDGE_HTTP_UNSUPPORTED_ENCODING', { encoding }));
  }
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return ndjson ? splitNdjson(text) : parseJson(text);
}

function parseJson(text: string): DecodedBody {
  const trimmed = text.trim();
  if (trimmed === '') return fail(edgeErrors.create('VIGIL_ERR_EDGE_HTTP_BAD_BODY', { reason: 'the body is empty' }));
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    return fail(edgeErrors.create('VIGIL_ERR_EDGE_HTTP_INVALID_JSON', { reason: (error as Error).message }));
  }
  if (Array.isArray(value)) return { ok: true, items: value.map((item: unknown, index) => ({ index, value: item })) };
  if (value !== null && typeof value === 'object') return { ok: true, items: [{ index: 0, value, text: trimmed }] };
  return fail(edgeErrors.create('VIGIL_ERR_EDGE_HTTP_BAD_BODY', { reason: `the top level is ${value === null ? 'null' : typeof value}` }));
}

function splitNdjson(text: string): DecodedBody {
  const items: BodyItem[] = [];
  const errors: ItemError[] = [];
  const lines = text.split('\n');
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
