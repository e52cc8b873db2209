import { describe, expect, it } from 'vitest';
import { parseBulkBody } from './bulk-request.ts';

describe('reading a _bulk body', () => {
  it('pairs actions with their sources; delete has none, update has its doc', () => {
    const body = [
      '{"index":{"_index":"vector-2025.03.14","_id":"a1"}}',
      '{"message":"one"}',
      '{"delete":{"_index":"old","_id":"7"}}',
      '',
      '{"create":{"_id":42}}',
      '{"message":"two"}',
      '{"update":{"_id":"a1"}}',
      '{"doc":{"message":"changed"}}',
      '',
    ].join('\r\n');
    const parsed = parseBulkBody(body, 100, { index: 'from-url', pipeline: 'p1' });
    expect(parsed).toEqual({
      ok: true,
      operations: [
        { action: 'index', line: 1, index: 'vector-2025.03.14', id: 'a1', pipeline: 'p1', source: '{"message":"one"}', sourceLine: 2 },
        { action: 'delete', line: 3, index: 'old', id: '7', pipeline: 'p1' },
        { action: 'create', line: 5, index: 'from-url', id: '42', pipeline: 'p1', source: '{"message":"two"}', sourceLine: 6 },
        { action: 'update', line: 7, index: 'from-url', id: 'a1', pipeline: 'p1', source: '{"doc":{"message":"changed"}}', sourceLine: 8 },
      ],
    });
  });

  it('leaves the source missing when the body ends after an action', () => {
    const parsed = parseBulkBody('{"create":{}}\n{"message":"ok"}\n{"create":{}}\n', 100);
    expect(parsed.ok && parsed.operations.map((op) => op.source)).toEqual(['{"message":"ok"}', undefined]);
  });

  it('fails the whole request on a line that is not an action, naming the line', () => {
    const cases: Array<[string, RegExp]> = [
      ['{"create":{}}\n{"m":1}\nnot json\n{"m":2}\n', /^line 3 is not a bulk action line: not JSON/],
      ['{"insert":{}}\n{"m":1}\n', /found \[insert\]/],
      ['{"create":{},"index":{}}\n{"m":1}\n', /exactly one of/],
      ['["create"]\n', /expected an object/],
      ['{"create":"x"}\n{}\n', /metadata must be an object/],
    ];
    for (const [body, message] of cases) {
      const parsed = parseBulkBody(body, 100);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) {
        expect(parsed.error.code).toBe('VIGIL_ERR_EDGE_BULK_MALFORMED_ACTION');
        expect(parsed.error.message).toMatch(message);
      }
    }
  });

  it('refuses more lines than maxLinesPerRequest', () => {
    const parsed = parseBulkBody('{"create":{}}\n{}\n'.repeat(3), 5);
    expect(parsed).toMatchObject({ ok: false, error: { code: 'VIGIL_ERR_EDGE_HTTP_TOO_MANY_LINES' } });
  });
});
