import { describe, expect, it } from 'vitest';
import type { VigilError } from '@vigil/runtime';
import { storeErrors } from '../errors.ts';
import type { QueryNode } from './ast.ts';
import { parseQuery, QUERY_LIMITS } from './parser.ts';

const term = (field: string | null, value: string, column: number, phrase = false): QueryNode => ({ kind: 'term', field, value, phrase, column });

function parseError(query: string): VigilError {
  try {
    parseQuery(query);
  } catch (error) {
    if (storeErrors.is(error)) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(query)} to be rejected`);
}

describe('parseQuery: fields and values', () => {
  it('matches everything for an empty or blank query, `*` and `*:*`', () => {
    for (const query of ['', '   ', '*', '*:*']) expect(parseQuery(query)).toEqual({ kind: 'all' });
  });

  it('reads field:value with dotted ECS names and @timestamp', () => {
    expect(parseQuery('source.ip:203.0.113.7')).toEqual(term('source.ip', '203.0.113.7', 1));
    expect(parseQuery('event.outcome:failure')).toEqual(term('event.outcome', 'failure', 1));
    expect(parseQuery('@timestamp:2024-05-14T08:00:00Z')).toEqual(term('@timestamp', '2024-05-14T08:00:00Z', 1));
  });

  it('reads a quoted phrase value with escaped quotes inside', () => {
    expect(parseQuery('user_agent.original:"Mozilla/5.0 (X11; \\"Linux\\")"')).toEqual(
      term('user_agent.original', 'Mozilla/5.0 (X11; "Linux")', 1, true),
    );
  });

  it('keeps colons in a value so IPv6 addresses and times need no quotes', () => {
    expect(parseQuery('source.ip:2001:db8::17')).toEqual(term('source.ip', '2001:db8::17', 1));
    expect(parseQuery('url.full:http://example.com/a')).toEqual(term('url.full', 'http://example.com/a', 1));
  });

  it('accepts a space after the colon', () => {
    expect(parseQuery('user.name: root')).toEqual(term('user.name', 'root', 1));
  });

  it('turns unescaped * and ? into wildcards and keeps escaped ones literal', () => {
    expect(parseQuery('user.name:adm*')).toEqual({ kind: 'wildcard', field: 'user.name', parts: [{ kind: 'text', text: 'adm' }, { kind: 'any' }], column: 1 });
    expect(parseQuery('host.name:web-0?')).toEqual({ kind: 'wildcard', field: 'host.name', parts: [{ kind: 'text', text: 'web-0' }, { kind: 'one' }], column: 1 });
    expect(parseQuery('url.path:\\*secret\\?')).toEqual(term('url.path', '*secret?', 1));
  });

  it('unescapes backslash sequences, including spaces, colons and parentheses', () => {
    expect(parseQuery('process.command_line:/bin/cat\\ /etc/shadow')).toEqual(term('process.command_line', '/bin/cat /etc/shadow', 1));
    expect(parseQuery('file\\:name')).toEqual(term(null, 'file:name', 1));
    expect(parseQuery('url.path:/a\\(1\\)')).toEqual(term('url.path', '/a(1)', 1));
  });

  it('reads field:* as "field exists"', () => {
    expect(parseQuery('user.name:*')).toEqual({ kind: 'exists', field: 'user.name', column: 1 });
  });

  it('reads an IPv4 or IPv6 network as a CIDR match, and a quoted one as a literal', () => {
    expect(parseQuery('source.ip:10.0.0.0/8')).toEqual({ kind: 'cidr', field: 'source.ip', address: '10.0.0.0', prefixLength: 8, family: 4, column: 1 });
    expect(parseQuery('related.ip:2001:db8::/32')).toEqual({ kind: 'cidr', field: 'related.ip', address: '2001:db8::', prefixLength: 32, family: 6, column: 1 });
    expect(parseQuery('source.ip:"10.0.0.0/8"')).toEqual(term('source.ip', '10.0.0.0/8', 1, true));
    expect(parseQuery('url.path:/api/8')).toEqual(term('url.path', '/api/8', 1));
  });
});

describe('parseQuery: ranges and comparisons', () => {
  it('reads inclusive, exclusive and mixed brackets', () => {
    expect(parseQuery('source.port:[1000 TO 2000]')).toEqual({
      kind: 'range', field: 'source.port', lower: { value: '1000', inclusive: true }, upper: { value: '2000', inclusive: true }, column: 1,
    });
    expect(parseQuery('source.port:{1000 TO 2000}')).toMatchObject({ lower: { inclusive: false }, upper: { inclusive: false } });
    expect(parseQuery('source.port:[1000 TO 2000}')).toMatchObject({ lower: { inclusive: true }, upper: { inclusive: false } });
  });

  it('reads open ends and treats [* TO *] as exists', () => {
    expect(parseQuery('http.response.status_code:[500 TO *]')).toMatchObject({ lower: { value: '500' }, upper: null });
    expect(parseQuery('@timestamp:[* TO 2024-05-14T08:05:00Z}')).toMatchObject({ lower: null, upper: { value: '2024-05-14T08:05:00Z', inclusive: false } });
    expect(parseQuery('source.port:[* TO *]')).toEqual({ kind: 'exists', field: 'source.port', column: 1 });
  });

  it('reads comparisons, with or without a colon before them', () => {
    const gte = { kind: 'range', field: 'http.response.status_code', lower: { value: '500', inclusive: true }, upper: null, column: 1 };
    expect(parseQuery('http.response.status_code>=500')).toEqual(gte);
    expect(parseQuery('http.response.status_code:>=500')).toEqual(gte);
    expect(parseQuery('source.port>1023')).toMatchObject({ lower: { value: '1023', inclusive: false }, upper: null });
    expect(parseQuery('source.port<1024')).toMatchObject({ lower: null, upper: { value: '1024', inclusive: false } });
    expect(parseQuery('@timestamp<=2024-05-14T08:05:00Z')).toMatchObject({ upper: { value: '2024-05-14T08:05:00Z', inclusive: true } });
  });
});

describe('parseQuery: boolean structure', () => {
  it('ANDs adjacent clauses and binds AND tighter than OR', () => {
    expect(parseQuery('a b OR c')).toEqual({ kind: 'or', children: [{ kind: 'and', children: [term(null, 'a', 1), term(null, 'b', 3)] }, term(null, 'c', 8)] });
    expect(parseQuery('a OR b AND c')).toEqual({ kind: 'or', children: [term(null, 'a', 1), { kind: 'and', children: [term(null, 'b', 6), term(null, 'c', 12)] }] });
  });

  it('reads NOT and -term as negation of the next clause', () => {
    expect(parseQuery('NOT user.name:root')).toEqual({ kind: 'not', child: term('user.name', 'root', 5) });
    expect(parseQuery('sshd -event.outcome:success')).toEqual({ kind: 'and', children: [term(null, 'sshd', 1), { kind: 'not', child: term('event.outcome', 'success', 7) }] });
    expect(parseQuery('-"invalid user"')).toEqual({ kind: 'not', child: term(null, 'invalid user', 2, true) });
  });

  it('keeps a dash inside a word and a lone dash as text', () => {
    expect(parseQuery('fw-edge-01')).toEqual(term(null, 'fw-edge-01', 1));
    expect(parseQuery('source.port:-1')).toEqual(term('source.port', '-1', 1));
  });

  it('treats lower-case and/or/not as words', () => {
    expect(parseQuery('salt and pepper')).toEqual({ kind: 'and', children: [term(null, 'salt', 1), term(null, 'and', 6), term(null, 'pepper', 10)] });
  });

  it('groups with parentheses', () => {
    expect(parseQuery('(a OR b) c')).toEqual({ kind: 'and', children: [{ kind: 'or', children: [term(null, 'a', 2), term(null, 'b', 7)] }, term(null, 'c', 10)] });
  });

  it('applies a field to every value of a group', () => {
    expect(parseQuery('user.name:(root OR admin*) NOT sudo')).toEqual({
      kind: 'and',
      children: [
        { kind: 'or', children: [term('user.name', 'root', 12), { kind: 'wildcard', field: 'user.name', parts: [{ kind: 'text', text: 'admin' }, { kind: 'any' }], column: 20 }] },
        { kind: 'not', child: term(null, 'sudo', 32) },
      ],
    });
    expect(parseQuery('source.port:(22 OR [1000 TO 2000])')).toMatchObject({ kind: 'or', children: [{ kind: 'term', value: '22' }, { kind: 'range', field: 'source.port' }] });
  });

  it('reads free-text words and phrases with field null', () => {
    expect(parseQuery('"Failed password" root')).toEqual({ kind: 'and', children: [term(null, 'Failed password', 1, true), term(null, 'root', 19)] });
  });
});

describe('parseQuery: errors say what and where', () => {
  it.each([
    ['user.name:root)', "unexpected ')' at column 15"],
    ['(user.name:root OR admin', "expected ')' to close the '(' at column 1, found end of query at column 25"],
    ['user.name:', "expected a value after 'user.name:', found end of query at column 11"],
    ['user.name:)', "expected a value after 'user.name:', found ')' at column 11"],
    ['message:"Failed password', 'unterminated quoted phrase (missing closing ") at column 9'],
    ['url.path:/etc\\', 'backslash at the end of the query escapes nothing at column 14'],
    ['OR root', "unexpected 'OR' at column 1"],
    ['root AND', 'unexpected end of query at column 9'],
    ['NOT', 'unexpected end of query at column 4'],
    ['source.port:[1000 2000]', "expected 'TO' between the range bounds, found '2000' at column 19"],
    ['source.port:[1000 TO 2000', "expected ']' or '}' to close the range, found end of query at column 26"],
    ['[UFW BLOCK]', 'a range needs a field, e.g. source.port:[1000 TO 2000] (quote text that contains brackets) at column 1'],
    ['source.port:[10* TO 20]', 'wildcards cannot be used in the range at column 14'],
    ['source.port>=*', "'source.port>=' needs a value, not '*' at column 14"],
    ['user.name:(root OR source.ip:1.2.3.4)', "unexpected field 'source.ip:' inside the values of 'user.name:( … )' at column 20"],
  ])('%s → %s', (query, message) => {
    const error = parseError(query);
    expect(error.code).toBe('VIGIL_ERR_QUERY_SYNTAX');
    expect(error.status).toBe(400);
    expect(error.message).toBe(message);
    expect(error.params.details).toEqual({ column: error.params.column });
  });

  it('rejects a network prefix longer than the address', () => {
    const error = parseError('source.ip:10.0.0.0/33');
    expect(error.code).toBe('VIGIL_ERR_QUERY_INVALID_VALUE');
    expect(error.message).toBe('network prefix /33 is longer than 32 bits at column 11');
  });

  it('rejects a wildcard field name other than *:*', () => {
    expect(parseError('*:root').code).toBe('VIGIL_ERR_QUERY_UNSUPPORTED');
  });

  it('rejects nesting deeper than the limit, and accepts the limit itself', () => {
    const depth = QUERY_LIMITS.maxDepth;
    expect(parseQuery(`${'('.repeat(depth)}root${')'.repeat(depth)}`)).toEqual(term(null, 'root', depth + 1));
    const error = parseError(`${'('.repeat(depth + 1)}root${')'.repeat(depth + 1)}`);
    expect(error.code).toBe('VIGIL_ERR_QUERY_TOO_COMPLEX');
    expect(error.message).toBe(`query nests deeper than ${depth} levels at column ${depth + 1}`);
    expect(parseError(`${'NOT '.repeat(depth + 1)}root`).code).toBe('VIGIL_ERR_QUERY_TOO_COMPLEX');
  });

  it('rejects queries that are too long or have too many terms', () => {
    expect(parseError('a'.repeat(QUERY_LIMITS.maxLength + 1)).code).toBe('VIGIL_ERR_QUERY_TOO_COMPLEX');
    const many = Array.from({ length: QUERY_LIMITS.maxTerms + 1 }, (_, i) => `p${i}`).join(' ');
    expect(many.length).toBeLessThanOrEqual(QUERY_LIMITS.maxLength);
    const error = parseError(many);
    expect(error.code).toBe('VIGIL_ERR_QUERY_TOO_COMPLEX');
    expect(error.message).toMatch(/^query has more than 1024 terms at column \d+$/);
  });
});

describe('parseQuery: hostile input is text', () => {
  it('reads SQL injection attempts as free text', () => {
    expect(parseQuery(`'; DROP TABLE events; --`)).toEqual({
      kind: 'and',
      children: [term(null, "';", 1), term(null, 'DROP', 4), term(null, 'TABLE', 9), term(null, 'events;', 15), term(null, '--', 23)],
    });
    expect(parseQuery(`user.name:"root' OR '1'='1"`)).toEqual(term('user.name', "root' OR '1'='1", 1, true));
  });

  it('reads names of object internals as plain words and fields', () => {
    expect(parseQuery('constructor __proto__:x toString')).toEqual({
      kind: 'and',
      children: [term(null, 'constructor', 1), term('__proto__', 'x', 13), term(null, 'toString', 25)],
    });
  });

  it('reads FTS5 operators and syntax characters as plain words', () => {
    expect(parseQuery('"NEAR(a b, 3)" ^start col:umn')).toEqual({
      kind: 'and',
      children: [term(null, 'NEAR(a b, 3)', 1, true), term(null, '^start', 16), term('col', 'umn', 23)],
    });
  });
});
