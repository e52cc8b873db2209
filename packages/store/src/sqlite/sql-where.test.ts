import { describe, expect, it } from 'vitest';
import { parseQuery } from '../query/parser.ts';
import { secondStart } from './event-keys.ts';
import { ftsQuery } from './fts.ts';
import { compileWhere, jsonPath } from './sql-where.ts';
import { alertTarget, eventTarget } from './targets.ts';

const placeholders = (sql: string) => (sql.match(/\?/g) ?? []).length;

describe('compileWhere', () => {
  it.each([
    `'; DROP TABLE events; --`,
    `user.name:"root'); DELETE FROM events; --"`,
    `source.ip:"1' OR '1'='1"`,
    `url.path:/x%' OR 1=1 --`,
    `message:"x\\" OR 1=1" AND "NEAR(drop table, 2)"`,
    `http.response.status_code:[0 TO 1e9] OR @timestamp>=2024-05-14T08:00:00Z`,
  ])('never puts user text into the SQL of %s', (query) => {
    for (const target of [eventTarget(), alertTarget]) {
      const { sql, params } = compileWhere(parseQuery(query), target);
      for (const word of ['DROP', 'DELETE', "'1'", '1=1', 'NEAR(', 'x%']) expect(sql).not.toContain(word);
      expect(placeholders(sql)).toBe(params.length);
    }
  });

  it('matches arrays and scalars through json_each with a quoted path', () => {
    const { sql, params } = compileWhere(parseQuery('related.ip:10.0.0.1'), alertTarget);
    expect(sql).toContain('json_each(a.doc, ?)');
    expect(params).toEqual(['$."related"."ip"', '10.0.0.1']);
    expect(compileWhere(parseQuery('related.ip:10.0.0.*'), eventTarget()).sql).toContain('json_each(e.doc, ?)');
  });

  it('looks event terms up in the field index, within the row ids of the time range', () => {
    const window = { low: secondStart(1_715_673_600), high: secondStart(1_715_677_200) };
    expect(compileWhere(parseQuery('related.ip:10.0.0.1'), eventTarget(window))).toEqual({
      sql: 'e.rid IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ? AND rowid >= ? AND rowid < ?)',
      params: ['{terms} : relatedz2eipzz10z2e0z2e0z2e1', window.low, window.high],
    });
  });

  it('quotes every path segment', () => {
    expect(jsonPath('@timestamp')).toBe('$."@timestamp"');
    expect(jsonPath('labels.app-name')).toBe('$."labels"."app-name"');
  });

  it('answers @timestamp ranges from the indexed ts column in milliseconds', () => {
    expect(compileWhere(parseQuery('@timestamp:[2024-05-14T10:00:00+02:00 TO 2024-05-14T09:00:00Z}'), eventTarget())).toEqual({
      sql: '(e.ts >= ? AND e.ts < ?)',
      params: [Date.parse('2024-05-14T08:00:00Z'), Date.parse('2024-05-14T09:00:00Z')],
    });
  });

  it('uses JavaScript lower-casing only for non-ASCII values', () => {
    expect(compileWhere(parseQuery('user.name:ROOT'), alertTarget).sql).toContain('lower(j.value)');
    const unicode = compileWhere(parseQuery('user.name:JÜRGEN'), eventTarget());
    expect(unicode.sql).toContain('vigil_lower(j.value)');
    expect(unicode.params).toContain('jürgen');
  });

  it('drops free text without letters or digits instead of matching nothing', () => {
    expect(compileWhere(parseQuery('-- ; ^'), eventTarget())).toEqual({ sql: '1', params: [] });
    expect(compileWhere(parseQuery('NOT ;'), eventTarget())).toEqual({ sql: '1', params: [] });
  });
});

describe('ftsQuery', () => {
  const leaf = (query: string) => {
    const node = parseQuery(query);
    if (node.kind !== 'term' && node.kind !== 'wildcard') throw new Error(`not a leaf: ${query}`);
    return node;
  };

  it('wraps user text in one FTS5 string, doubling quotes, searching the message and the raw line', () => {
    expect(ftsQuery(leaf('"say \\"hi\\" NEAR(x)"'))).toBe('{message original} : "say ""hi"" NEAR(x)"');
    expect(ftsQuery(leaf('"a \\" b"'))).toBe('{message original} : "a "" b"');
    expect(ftsQuery(leaf('AND*'))).toBe('{message original} : "AND" *');
  });

  it('restricts a full-text field to its column', () => {
    expect(ftsQuery(leaf('message:"Failed password"'), 'message')).toBe('{message} : "Failed password"');
  });

  it('rejects wildcards other than a trailing *', () => {
    for (const query of ['*min', 'ad?in', 'a*b*']) {
      expect(() => ftsQuery(leaf(query))).toThrow(expect.objectContaining({ code: 'VIGIL_ERR_QUERY_UNSUPPORTED' }));
    }
  });

  it('returns null for text without letters or digits', () => {
    expect(ftsQuery(leaf('";--"'))).toBeNull();
    expect(ftsQuery(leaf('--*'))).toBeNull();
  });
});
