import { describe, expect, it } from 'vitest';
import { parseQuery } from '../query/parser.ts';
import { alertDslTarget, eventDslTarget } from './dsl-targets.ts';
import { compileQuery, matchIgnoringCase } from './query-dsl.ts';
import { searchText, words } from './text-analysis.ts';

const events = (query: string) => compileQuery(parseQuery(query), eventDslTarget);
const alerts = (query: string) => compileQuery(parseQuery(query), alertDslTarget);
const ci = (field: string, value: string) => ({ term: { [field]: { value, case_insensitive: true } } });

describe('compileQuery for events', () => {
  it('matches everything for the empty query, * and *:*', () => {
    for (const query of ['', '*', '*:*']) expect(events(query)).toEqual({ match_all: {} });
  });

  it('compares keywords ignoring case, and numbers, dates and addresses by their text', () => {
    expect(events('user.name:ROOT')).toEqual(ci('user.name', 'ROOT'));
    expect(events('http.response.status_code:404')).toEqual(ci('http.response.status_code.keyword', '404'));
    expect(events('source.ip:2001:DB8::17')).toEqual(ci('source.ip.keyword', '2001:DB8::17'));
    expect(events('event.created:2024-05-14T08:00:00Z')).toEqual(ci('event.created.keyword', '2024-05-14T08:00:00Z'));
    expect(events('labels.app-name:Billing')).toEqual(ci('labels.app-name', 'Billing'));
  });

  it('folds non-ASCII letters with a regexp of their cases, since case_insensitive covers ASCII only', () => {
    expect(events('user.name:JÜRGEN')).toEqual({ regexp: { 'user.name': { value: 'J[Üü]RGEN', flags: 'NONE', case_insensitive: true } } });
    expect(matchIgnoringCase('f', [{ kind: 'text', text: 'ß.ø (x)' }])).toEqual({
      regexp: { f: { value: 'ß\\.[øØ]\\ \\(x\\)', flags: 'NONE', case_insensitive: true } },
    });
    expect(events('host.hostname:wéb-0?')).toEqual({ regexp: { 'host.hostname': { value: 'w[éÉ]b\\-0.', flags: 'NONE', case_insensitive: true } } });
  });

  it('turns * and ? into a wildcard query, escaping the wildcard characters the user escaped', () => {
    expect(events('url.path:*.php')).toEqual({ wildcard: { 'url.path': { value: '*.php', case_insensitive: true } } });
    expect(events('http.response.status_code:5*')).toEqual({ wildcard: { 'http.response.status_code.keyword': { value: '5*', case_insensitive: true } } });
    expect(events('url.query:a\\*b?')).toEqual({ wildcard: { 'url.query': { value: 'a\\*b?', case_insensitive: true } } });
    expect(events('url.query:"a*b?\\\\"')).toEqual(ci('url.query', 'a*b?\\'));
  });

  it('checks presence with exists, including for the full-text fields', () => {
    expect(events('user.name:*')).toEqual({ exists: { field: 'user.name' } });
    expect(events('message:*')).toEqual({ exists: { field: 'vigil_search.message' } });
    expect(events('labels.k8s.namespace:*')).toEqual({ wildcard: { 'labels.k8s.namespace': { value: '*' } } });
    expect(events('labels:*')).toEqual({ exists: { field: 'labels' } });
  });

  it('compares numeric ranges on numeric fields only and text ranges on text only', () => {
    expect(events('destination.port:{1000 TO 2000]')).toEqual({ range: { 'destination.port': { gt: 1000, lte: 2000 } } });
    expect(events('http.response.status_code>=500')).toEqual({ range: { 'http.response.status_code': { gte: 500 } } });
    expect(events('user.name:[a TO b}')).toEqual({ range: { 'user.name': { gte: 'a', lt: 'b' } } });
    expect(events('event.created:[2024-05-14 TO 2024-05-15}')).toEqual({ range: { 'event.created.keyword': { gte: '2024-05-14', lt: '2024-05-15' } } });
    expect(events('user.name:[1 TO 5]')).toEqual({ match_none: {} });
    expect(events('source.port:[a TO b]')).toEqual({ match_none: {} });
    expect(events('source.port:[0 TO 1e30]')).toEqual({ range: { 'source.port': { gte: 0, lte: Number.MAX_SAFE_INTEGER } } });
  });

  it('reads @timestamp bounds as instants in milliseconds and refuses bounds that are not dates', () => {
    expect(events('@timestamp:[2024-05-14T10:00:00+02:00 TO 2024-05-14T09:00:00Z}')).toEqual({
      range: { '@timestamp': { format: 'epoch_millis', gte: Date.parse('2024-05-14T08:00:00Z'), lt: Date.parse('2024-05-14T09:00:00Z') } },
    });
    const instant = Date.parse('2024-05-14T08:08:04Z');
    expect(events('@timestamp:2024-05-14T08:08:04Z')).toEqual({ range: { '@timestamp': { gte: instant, lte: instant, format: 'epoch_millis' } } });
    expect(events('@timestamp:2024-05-14*')).toEqual({ wildcard: { '@timestamp.keyword': { value: '2024-05-14*', case_insensitive: true } } });
    expect(() => events('@timestamp>yesterday')).toThrow(expect.objectContaining({ code: 'VIGIL_ERR_QUERY_INVALID_VALUE', params: expect.objectContaining({ column: 1 }) }));
  });

  it('answers networks with a term on ip fields, and nothing on other fields', () => {
    expect(events('related.ip:198.51.100.0/24')).toEqual({ term: { 'related.ip': '198.51.100.0/24' } });
    expect(events('host.hostname:10.0.0.0/8')).toEqual({ match_none: {} });
  });

  it('searches free text as folded words in message and event.original: words, phrases and prefixes', () => {
    const both = (query: (field: string) => object) => ({
      bool: { should: [query('vigil_search.message'), query('vigil_search.original')], minimum_should_match: 1 },
    });
    expect(events('Jürgen')).toEqual(both((field) => ({ term: { [field]: { value: 'jurgen' } } })));
    expect(events('"Invalid  USER"')).toEqual(both((field) => ({ match_phrase: { [field]: { query: 'invalid user' } } })));
    expect(events('203.0.113.7')).toEqual(both((field) => ({ match_phrase: { [field]: { query: '203 0 113 7' } } })));
    expect(events('FAIL*')).toEqual(both((field) => ({ prefix: { [field]: { value: 'fail' } } })));
    expect(events('10.0.*')).toEqual(both((field) => ({ match_phrase_prefix: { [field]: { query: '10 0', max_expansions: 10_000 } } })));
    expect(events('message:"Failed password"')).toEqual({ match_phrase: { 'vigil_search.message': { query: 'failed password' } } });
    expect(events('message:[a TO b]')).toEqual({ match_none: {} });
  });

  it('refuses free-text wildcards other than a trailing *', () => {
    for (const query of ['*admin', 'ad?in', 'a*b*', 'message:fa?led']) {
      expect(() => events(query)).toThrow(expect.objectContaining({ code: 'VIGIL_ERR_QUERY_UNSUPPORTED' }));
    }
  });

  it('drops free text without letters or digits, negated or not, and keeps the rest', () => {
    expect(events('-- ; ^')).toEqual({ match_all: {} });
    expect(events('NOT ;')).toEqual({ match_all: {} });
    expect(events('config ^')).toEqual(events('config'));
  });

  it('builds bool queries for AND, OR and NOT', () => {
    expect(events('event.outcome:failure AND NOT user.name:root OR user.name:(admin OR oracle)')).toEqual({
      bool: {
        should: [
          { bool: { filter: [ci('event.outcome', 'failure'), { bool: { must_not: [ci('user.name', 'root')] } }] } },
          ci('user.name', 'admin'),
          ci('user.name', 'oracle'),
        ],
        minimum_should_match: 1,
      },
    });
  });

  it('never lets user text become a query of its own: it stays a field name or a value', () => {
    const queryTypes = (dsl: Record<string, unknown>): string[] => {
      const [type, body] = Object.entries(dsl)[0] as [string, Record<string, Record<string, unknown>[] | undefined>];
      if (type !== 'bool') return [type];
      return ['bool', ...(['filter', 'should', 'must_not'] as const).flatMap((key) => (body[key] ?? []).flatMap(queryTypes))];
    };
    const hostile = `"}}, {\\"script\\": {\\"source\\": \\"x\\"}}" AND query_string:"*" OR script:source OR url.path:match_all\\{\\}`;
    const dsl = events(hostile);
    expect(new Set(queryTypes(dsl))).toEqual(new Set(['bool', 'match_phrase', 'term']));
    expect(events('url.path:"\\"}}, {\\"script\\""')).toEqual(ci('url.path', '"}}, {"script"'));
  });
});

describe('compileQuery for alerts', () => {
  it('searches free text and message: as case-insensitive substrings of the message and rule name', () => {
    expect(alerts('BRUTE')).toEqual({
      bool: {
        should: [
          { wildcard: { message: { value: '*BRUTE*', case_insensitive: true } } },
          { wildcard: { 'rule.name': { value: '*BRUTE*', case_insensitive: true } } },
        ],
        minimum_should_match: 1,
      },
    });
    expect(alerts('message:"a*b"')).toEqual({ wildcard: { message: { value: '*a\\*b*', case_insensitive: true } } });
    expect(alerts('message:scan*')).toEqual({ wildcard: { message: { value: '*scan**', case_insensitive: true } } });
  });

  it('compares the alert lifecycle fields by their types', () => {
    expect(alerts('vigil.alert.count>=3')).toEqual({ range: { 'vigil.alert.count': { gte: 3 } } });
    expect(alerts('vigil.alert.last_seen:[2024-05-14T08:05:00Z TO *]')).toEqual({ range: { 'vigil.alert.last_seen.keyword': { gte: '2024-05-14T08:05:00Z' } } });
    expect(alerts('vigil.alert.group.source.ip:203.0.113.7')).toEqual(ci('vigil.alert.group.source.ip', '203.0.113.7'));
    expect(alerts('vigil.alert.group:x')).toEqual({ match_none: {} });
    expect(alerts('@timestamp:2024-05-14T08:00:00Z')).toEqual(ci('@timestamp.keyword', '2024-05-14T08:00:00Z'));
  });
});

describe('free-text words', () => {
  it('cuts on anything but letters and digits, lower-cases and removes diacritics like FTS5 unicode61', () => {
    expect(words('Failed password for Jürgen from 203.0.113.7 port 51122 ssh2')).toEqual(['failed', 'password', 'for', 'jurgen', 'from', '203', '0', '113', '7', 'port', '51122', 'ssh2']);
    expect(words('unexpected token "NEAR(" ; -- ^ *')).toEqual(['unexpected', 'token', 'near']);
    expect(words('Ångström CAFÉ naïve')).toEqual(['angstrom', 'cafe', 'naive']);
    expect(searchText(undefined)).toBe('');
  });

  it('cuts very long words into pieces the whitespace tokenizer keeps whole', () => {
    const long = 'a'.repeat(450);
    expect(words(long).map((word) => word.length)).toEqual([200, 200, 50]);
  });
});
