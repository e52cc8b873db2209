import { describe, expect, it } from 'vitest';
import { readPath } from './event-context.ts';
import { JsonFieldIndex, NotAnEventError } from './json-fields.ts';

const PATHS = [
  'message',
  'event.original',
  'event.category',
  'event.action',
  'user.name',
  'user',
  'source.ip',
  'source.port',
  'http.response.status_code',
  'process.args',
  'labels.note',
  'threat.enrichments.indicator.ip',
  'flag',
  'nothing',
  'a.b.c',
].map((path) => path.split('.'));

/** What the index reads for every path, next to what JSON.parse and readPath read. */
function both(text: string): { scanned: unknown[]; parsed: unknown[] } {
  const index = new JsonFieldIndex(PATHS);
  expect(index.scan(text), text).toBe(true);
  const event = JSON.parse(text) as unknown;
  return { scanned: PATHS.map((_, slot) => index.value(slot)), parsed: PATHS.map((parts) => readPath(event, parts)) };
}

describe('JsonFieldIndex', () => {
  const cases: Record<string, string> = {
    'an edge event': JSON.stringify({
      '@timestamp': '2026-11-25T10:00:00.000Z',
      event: { kind: 'event', category: ['authentication'], action: 'ssh_login', original: '<38>Nov 25 sshd[1]: Failed password for root' },
      message: 'Failed password for "root" \\ from C:\\temp\n',
      user: { name: 'root', id: '0' },
      source: { ip: '203.0.113.7', port: 52814 },
      process: { args: ['bash', '-c', 'id'] },
      flag: false,
    }),
    'escapes and non-ASCII': JSON.stringify({ message: 'é \u2028 \ud83d\ude00 \\"quoted\\" tab\t', labels: { note: 'a"b' }, user: { name: 'Jürgen' } }),
    'whitespace everywhere': ' {\n "user" : { "name" :"alice" } ,\t"source":{"port" : 22 , "ip":"::1"} , "flag" : true }\n',
    'numbers in every JSON form': '{"source":{"port":-1.5e3},"http":{"response":{"status_code":404}},"a":{"b":{"c":0}}}',
    'null and empty values': '{"message":"","user":null,"labels":{"note":null},"flag":null}',
    'an array on the path hides the fields below it': '{"threat":{"enrichments":[{"indicator":{"ip":"198.51.100.1"}}]},"a":[{"b":{"c":1}}]}',
    'a scalar where an object is expected': '{"user":"bob","source":7,"a":{"b":"c"}}',
    'duplicate keys: the last one wins': '{"user":{"name":"first","id":"1"},"user":{"id":"2"},"source":{"ip":"a"},"source":{"ip":"b"}}',
    'a key written with escapes': '{"\\u0075ser":{"na\\u006de":"escaped"},"message":"m"}',
    'brackets and braces inside strings': '{"message":"{[}]\\"{","labels":{"note":"}}]]"},"user":{"name":"x"}}',
    'empty objects and arrays': '{"user":{},"process":{"args":[]},"event":{"category":[]}}',
    'keys that begin like wanted ones': '{"users":{"name":"no"},"use":1,"user":{"nam":"no","names":["no"],"name":"yes"},"source":{"ipv":"no","ip":"yes"},"sourceip":"no"}',
    'a wanted key with space before its colon': '{"user" :{"name" : "spaced"},"source":{"ip":"x"}}',
  };
  for (const [name, text] of Object.entries(cases)) {
    it(`reads what JSON.parse reads: ${name}`, () => {
      const { scanned, parsed } = both(text);
      expect(scanned).toEqual(parsed);
    });
  }

  it('hands out one frozen list for the same short list of scalars, and parses others each time', () => {
    const index = new JsonFieldIndex(PATHS);
    index.scan('{"event":{"category":["process","network"]},"process":{"args":["id",{"x":1}]}}');
    const first = index.value(2);
    const args = index.value(9);
    index.scan('{"event":{"category":["process","network"]},"process":{"args":["id",{"x":1}]}}');
    expect(index.value(2)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toEqual(['process', 'network']);
    // A list holding an object is the event's own: a new one for every event.
    expect(index.value(9)).not.toBe(args);
    expect(index.value(9)).toEqual(['id', { x: 1 }]);
  });

  it('is reusable: the fields of one text do not leak into the next', () => {
    const index = new JsonFieldIndex(PATHS);
    index.scan('{"user":{"name":"alice"},"message":"one"}');
    index.scan('{"message":"two"}');
    expect(index.value(0)).toBe('two');
    expect(index.value(4)).toBeUndefined();
  });

  it('refuses what is not a JSON object, so the caller parses it in full', () => {
    const index = new JsonFieldIndex(PATHS);
    for (const text of ['', '[]', '"text"', '42', 'null', '{"user":', '{"user" "x"}', '{"a":1,}', '{"a":"unterminated}', '{"a":1} trailing', '{a:1}']) {
      expect(index.scan(text), text).toBe(false);
    }
  });

  it('answers a value that is not valid JSON with NotAnEventError, not a crash', () => {
    const index = new JsonFieldIndex(PATHS);
    expect(index.scan('{"message":"bad \\x escape","source":{"port":12abc}}')).toBe(true);
    expect(() => index.value(0)).toThrow(NotAnEventError);
    expect(() => index.value(7)).toThrow(NotAnEventError);
  });
});
