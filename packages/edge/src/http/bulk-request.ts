import type { VigilError } from '@vigil/runtime';
import { edgeErrors } from '../errors.ts';
import { splitLines } from './decode-body.ts';

/** The four Elasticsearch bulk actions. */
export type BulkAction = 'index' | 'create' | 'delete' | 'update';

/** One action of a `_bulk` body with its metadata and, when it has one, its source line. */
export interface BulkOperation {
  action: BulkAction;
  /** 1-based line number of the action line. */
  line: number;
  /** `_index` of the action, else the index in the URL (`/<index>/_bulk`). */
  index?: string;
  /** `_id` of the action, as text. */
  id?: string;
  /** `pipeline` of the action, else of the URL. */
  pipeline?: string;
  /** The source line (`index`/`create`) or partial document (`update`), unparsed; missing when the body ends first. */
  source?: string;
  /** 1-based line number of the source line. */
  sourceLine?: number;
}

export type ParsedBulk = { ok: true; operations: BulkOperation[] } | { ok: false; error: VigilError };

const WITH_SOURCE = new Set<BulkAction>(['index', 'create', 'update']);
const ACTIONS = new Set<string>(['index', 'create', 'delete', 'update']);

/**
 * Reads a `_bulk` body (NDJSON action/metadata lines, each `index`, `create` and `update`
 * followed by its source line, `delete` alone; blank lines ignored) as Filebeat, Logstash, Vector
 * and Fluent Bit send it. Sources are left unparsed: each is judged on its own later. A line
 * that should be an action but is not fails the whole request, as in Elasticsearch, because
 * what follows it can no longer be paired.
 */
export function parseBulkBody(text: string, maxLines: number, defaults: { index?: string; pipeline?: string } = {}): ParsedBulk {
  const lines = splitLines(text, maxLines);
  if (!lines) return { ok: false, error: edgeErrors.create('VIGIL_ERR_EDGE_HTTP_TOO_MANY_LINES', { max: maxLines }) };
  const operations: BulkOperation[] = [];
  let i = 0;
  const nextLine = (): number => {
    while (i < lines.length && lines[i]!.trim() === '') i++;
    return i;
  };
  while (nextLine() < lines.length) {
    const line = i + 1;
    const parsed = readAction(lines[i]!, line);
    i++;
    if (!parsed.ok) return parsed;
    const operation: BulkOperation = { action: parsed.action, line };
    const index = parsed.metadata._index ?? defaults.index;
    const pipeline = parsed.metadata.pipeline ?? defaults.pipeline;
    if (index !== undefined) operation.index = index;
    if (parsed.metadata._id !== undefined) operation.id = parsed.metadata._id;
    if (pipeline !== undefined) operation.pipeline = pipeline;
    if (WITH_SOURCE.has(parsed.action) && nextLine() < lines.length) {
      operation.source = lines[i]!;
      operation.sourceLine = i + 1;
      i++;
    }
    operations.push(operation);
  }
  return { ok: true, operations };
}

interface ActionMetadata {
  _index?: string;
  _id?: string;
  pipeline?: string;
}

function readAction(text: string, line: number): { ok: true; action: BulkAction; metadata: ActionMetadata } | { ok: false; error: VigilError } {
  const malformed = (reason: string) => ({ ok: false as const, error: edgeErrors.create('VIGIL_ERR_EDGE_BULK_MALFORMED_ACTION', { line, reason }) });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return malformed(`not JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return malformed('expected an object such as {"create":{}}');
  const keys = Object.keys(value);
  const action = keys[0];
  if (keys.length !== 1 || action === undefined || !ACTIONS.has(action)) {
    return malformed(`expected exactly one of [create, delete, index, update], found [${keys.slice(0, 5).join(', ')}]`);
  }
  const meta = (value as Record<string, unknown>)[action];
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) return malformed(`the ${action} metadata must be an object`);
  const fields = meta as Record<string, unknown>;
  const metadata: ActionMetadata = {};
  if (typeof fields._index === 'string' && fields._index !== '') metadata._index = fields._index;
  if (typeof fields._id === 'string' || typeof fields._id === 'number') metadata._id = String(fields._id);
  if (typeof fields.pipeline === 'string' && fields.pipeline !== '') metadata.pipeline = fields.pipeline;
  return { ok: true, action: action as BulkAction, metadata };
}
