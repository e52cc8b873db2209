import { describe, expect, it } from 'vitest';
import { patternValues } from './stix-bundle.ts';
import { parseStixPattern, type ObservationExpression } from './stix-pattern.ts';

function parse(pattern: string): ObservationExpression {
  const parsed = parseStixPattern(pattern);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.pattern;
}

const valuesOf = (pattern: string) => patternValues(parse(pattern));

describe('STIX pattern parser', () => {
  it('parses a comparison into object type, path steps, operator and literal', () => {
    expect(parse("[file:hashes.'SHA-256' = 'aa'] ")).toEqual({
      kind: 'observation',
      qualifiers: [],
      comparison: { kind: 'test', path: { objectType: 'file', steps: ['hashes', 'SHA-256'] }, negated: false, operator: '=', value: { type: 'string', value: 'aa' } },
    });
    expect(parse("[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'[0] != 'curl']")).toMatchObject({
      comparison: { path: { objectType: 'network-traffic', steps: ['extensions', 'http-request-ext', 'request_header', 'User-Agent', { index: 0 }] }, operator: '!=' },
    });
  });

  it("unescapes \\' and \\\\ in strings and refuses any other escape", () => {
    expect(valuesOf("[url:value = 'http://x.example/it\\'s\\\\here']").values).toEqual([{ type: 'url', value: "http://x.example/it's\\here" }]);
    expect(parseStixPattern("[url:value = 'C:\\temp']")).toEqual({ ok: false, reason: "bad escape '\\t' in a string (only \\' and \\\\) at position 16" });
  });

  it('gives OR-joined comparisons and observations as separate values', () => {
    expect(valuesOf("[ipv4-addr:value = '198.51.100.7' OR domain-name:value = 'evil.example'] OR [url:value = 'http://x/y']")).toEqual({
      values: [
        { type: 'ipv4', value: '198.51.100.7' },
        { type: 'domain', value: 'evil.example' },
        { type: 'url', value: 'http://x/y' },
      ],
      unsupported: [],
    });
    expect(valuesOf("[domain-name:value IN ('a.example', 'b.example')]").values).toEqual([
      { type: 'domain', value: 'a.example' },
      { type: 'domain', value: 'b.example' },
    ]);
    expect(valuesOf("[ipv4-addr:value ISSUBSET '10.0.0.0/8'] or [ipv6-addr:value = '2001:db8::1']").values).toEqual([
      { type: 'cidr', value: '10.0.0.0/8' },
      { type: 'ipv6', value: '2001:db8::1' },
    ]);
  });

  it('keeps the usable side of an OR and counts AND, FOLLOWEDBY, qualifiers and other operators as unsupported', () => {
    expect(valuesOf("[ipv4-addr:value = '192.0.2.1'] OR ([ipv4-addr:value = '192.0.2.2'] AND [domain-name:value = 'x.example'])")).toEqual({
      values: [{ type: 'ipv4', value: '192.0.2.1' }],
      unsupported: ['AND between observations needs more than one indicator'],
    });
    expect(valuesOf("[ipv4-addr:value = '192.0.2.1' AND network-traffic:dst_port = 443]").unsupported).toEqual(['AND inside an observation needs more than one indicator']);
    expect(valuesOf("[domain-name:value = 'a.example'] FOLLOWEDBY [domain-name:value = 'b.example']").unsupported).toEqual(['FOLLOWEDBY between observations needs more than one indicator']);
    expect(valuesOf("[ipv4-addr:value = '192.0.2.1'] REPEATS 5 TIMES WITHIN 60 SECONDS").unsupported).toEqual(['the REPEATS, WITHIN qualifier needs more than one sighting']);
    expect(valuesOf("[url:value LIKE 'http://%.bad.example/%'] OR [file:name = 'x.exe'] OR [ipv4-addr:value NOT = '192.0.2.1']").unsupported).toEqual([
      'LIKE on url:value',
      'file:name is not a property Vigil matches on',
      'NOT = on ipv4-addr:value',
    ]);
  });

  it('parses the rest of the grammar: keywords in any case, numbers, booleans, binary, hex, timestamps, comments, START/STOP', () => {
    const pattern = parse(
      "([process:pid > 4 and process:is_hidden = true] or [file:size <= -1.5]) /* either */ START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00.5Z'",
    );
    expect(pattern).toMatchObject({ kind: 'or', qualifiers: [{ kind: 'start-stop', start: '2026-01-01T00:00:00Z', stop: '2026-02-01T00:00:00.5Z' }] });
    expect(pattern).toMatchObject({
      operands: [
        { comparison: { kind: 'and', operands: [{ operator: '>', value: { type: 'int', value: 4 } }, { operator: '=', value: { type: 'bool', value: true } }] } },
        { comparison: { operator: '<=', value: { type: 'float', value: -1.5 } } },
      ],
    });
    expect(parse("[artifact:payload_bin = b'aGVsbG8='] OR [x509-certificate:serial_number = h'0aff'] // trailing comment")).toMatchObject({
      operands: [{ comparison: { value: { type: 'binary', value: 'aGVsbG8=' } } }, { comparison: { value: { type: 'hex', value: '0aff' } } }],
    });
    expect(parse('[EXISTS windows-registry-key:values]')).toMatchObject({ comparison: { kind: 'exists' } });
    expect(parseStixPattern('[file:size = 1.5e3]').ok).toBe(false);
  });

  it('names the position of a syntax error', () => {
    expect(parseStixPattern("[ipv4-addr:value = '192.0.2.1'")).toEqual({ ok: false, reason: "expected ']', found 'end of pattern' at position 30" });
    expect(parseStixPattern("ipv4-addr:value = '192.0.2.1'")).toEqual({ ok: false, reason: "expected '[' or '(', found 'ipv4-addr' at position 0" });
    expect(parseStixPattern("[ipv4-addr:value = '192.0.2.1")).toEqual({ ok: false, reason: 'unclosed string at position 19' });
    expect(parseStixPattern("[ipv4-addr:value ~ '1']")).toEqual({ ok: false, reason: "unexpected '~' at position 17" });
    expect(parseStixPattern("[ipv4-addr:value = '1'] WITHIN 0 SECONDS")).toEqual({ ok: false, reason: 'expected a positive whole number at position 31' });
    expect(parseStixPattern("[file:created = t'yesterday']").ok).toBe(false);
  });
});
