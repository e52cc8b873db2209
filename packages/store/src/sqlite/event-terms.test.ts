import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQuery } from '../query/parser.ts';
import type { StorableEvent, Store } from '../store.ts';
import { MAX_TERM_CHARS, TermIndexer, termToken } from './event-terms.ts';
import { registerSqlFunctions } from './sql-functions.ts';
import { compileWhere, type WhereTarget } from './sql-where.ts';
import { createSqliteStore } from './sqlite-store.ts';

describe('termToken', () => {
  it('writes field and value as one token of a-y, digits and z-escapes', () => {
    expect(termToken('source.ip', '10.0.0.1')).toBe('sourcez2eipzz10z2e0z2e0z2e1');
    expect(termToken('user.name', 'ROOT')).toBe('userz2enamezzroot');
    expect(termToken('labels.Zone', 'zz top')).toBe('labelsz2ez5aonezzz7az7az20top');
    expect(termToken('user.name', '')).toBe('userz2enamezz');
  });

  it('makes no token where the field index cannot answer exactly', () => {
    expect(termToken('user.name', 'jürgen')).toBeNull();
    expect(termToken('user.name', 'x'.repeat(MAX_TERM_CHARS + 1))).toBeNull();
    expect(termToken('message', 'failed')).toBeNull();
    expect(termToken('event.original', 'failed')).toBeNull();
    expect(termToken('@timestamp', '2024-05-14')).toBeNull();
    expect(termToken('labels.a b', 'x')).toBeNull();
  });

  it('gives every event the token NOT subtracts from, and one token per value', () => {
    const indexer = new TermIndexer(() => null);
    const event = { message: 'm', '@timestamp': 't', event: { original: 'o', id: 'e1' }, related: { ip: ['10.0.0.1', null, ['x'], { a: 1 }] }, ok: true };
    expect(indexer.terms(event).split(' ')).toEqual(['all', 'eventz2eidzze1', 'relatedz2eipzz10z2e0z2e0z2e1', 'okzztrue']);
  });
});

// Events whose values are the hard cases for an index that must agree with the JSON match.
const ODD_EVENTS: { id: string; fields: Record<string, unknown> }[] = [
  { id: 'upper', fields: { user: { name: 'ROOT' } } },
  { id: 'lower', fields: { user: { name: 'root' } } },
  { id: 'spaced', fields: { user: { name: 'root ' } } },
  { id: 'kelvin', fields: { user: { name: '\u212Aelvin' } } },
  { id: 'umlaut', fields: { user: { name: 'Jürgen' } } },
  { id: 'empty', fields: { user: { name: '' } } },
  { id: 'null-name', fields: { user: { name: null } } },
  { id: 'int', fields: { http: { response: { status_code: 404 } } } },
  { id: 'text-int', fields: { http: { response: { status_code: '404' } } } },
  { id: 'fraction', fields: { metric: { value: 0.1 } } },
  { id: 'tiny', fields: { metric: { value: 1e-7 } } },
  { id: 'huge', fields: { metric: { value: 1e21 } } },
  { id: 'big-int', fields: { metric: { value: 2 ** 60 } } },
  { id: 'negative-zero', fields: { metric: { value: -0 } } },
  { id: 'not-a-number', fields: { metric: { value: Number.NaN } } },
  { id: 'bool-true', fields: { labels: { flag: true } } },
  { id: 'text-true', fields: { labels: { flag: 'TRUE' } } },
  { id: 'one', fields: { labels: { flag: 1 } } },
  { id: 'array', fields: { related: { ip: ['10.0.0.1', '10.0.0.2'] } } },
  { id: 'nested-array', fields: { related: { ip: [['10.0.0.1']] } } },
  { id: 'objects-in-array', fields: { related: { ip: [{ ip: '10.0.0.1' }] } } },
  { id: 'dotted-key', fields: { labels: { 'a.b': 'x' } } },
  { id: 'object-value', fields: { process: { parent: { name: 'sshd' } } } },
  { id: 'long', fields: { url: { original: `/${'a'.repeat(MAX_TERM_CHARS + 10)}` } } },
  { id: 'date', fields: { labels: { when: new Date(0) } } },
  { id: 'z-text', fields: { labels: { code: 'zz7a' } } },
];

const ODD_QUERIES = [
  'user.name:root',
  'user.name:"root "',
  'user.name:ROOT',
  'user.name:kelvin',
  'user.name:JÜRGEN',
  'user.name:""',
  'http.response.status_code:404',
  'http.response.status_code:404.0',
  'metric.value:0.1',
  'metric.value:1.0e-07',
  'metric.value:1e-7',
  'metric.value:1.0e+21',
  `metric.value:${2 ** 60}`,
  'metric.value:0',
  'metric.value:null',
  'labels.flag:true',
  'labels.flag:TRUE',
  'labels.flag:1',
  'related.ip:10.0.0.1',
  'labels.a.b:x',
  'process.parent:sshd',
  `url.original:"/${'a'.repeat(MAX_TERM_CHARS + 10)}"`,
  'labels.when:"1970-01-01T00:00:00.000Z"',
  'labels.code:zz7a',
  'labels.code:"z7a"',
  'NOT user.name:root',
  'user.name:root OR labels.flag:true',
  'related.ip:10.0.0.1 AND NOT user.name:root',
  '(user.name:root OR user.name:"") AND NOT labels.flag:1',
];

describe('the field index', () => {
  let dir: string;
  let store: Store;
  let json: DatabaseSync;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-terms-'));
    const path = join(dir, 'vigil.db');
    store = await createSqliteStore({ path });
    await store.init();
    await store.writeEvents(
      ODD_EVENTS.map(({ id, fields }, index) => ({ '@timestamp': new Date(Date.UTC(2024, 4, 14, 8, 0, index)).toISOString(), event: { id }, ...fields }) as StorableEvent),
    );
    json = new DatabaseSync(path, { readOnly: true });
    registerSqlFunctions(json);
  });

  afterAll(async () => {
    json.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // The JSON match alone, as every field query was answered before the index.
  const documentsOnly: WhereTarget = { doc: 'e.doc', freeText: () => null };

  it.each(ODD_QUERIES)('finds for %s exactly what the JSON match finds', async (query) => {
    const where = compileWhere(parseQuery(query), documentsOnly);
    const expected = (json.prepare(`SELECT id FROM events AS e WHERE ${where.sql} ORDER BY ts DESC, id DESC`).all(...where.params) as { id: string }[]).map((row) => row.id);
    const found = await store.searchEvents({ query, size: 100 });
    expect(found.events.map((event) => event.event?.id)).toEqual(expected);
    expect(found.total).toBe(expected.length);
  });
});
