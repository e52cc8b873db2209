import { describe, expect, it } from 'vitest';
import { ECS_LEAVES } from './ecs-leaves.ts';

describe('the ECS fields JSON payloads are checked against', () => {
  it('are read from @vigil/schema with the kind each value must have', () => {
    const kinds = Object.fromEntries(
      ['@timestamp', 'message', 'source.ip', 'related.ip', 'tags', 'source.port', 'event.risk_score', 'event.kind', 'labels', 'source.geo.location', 'http.response.body.bytes'].map((path) => [path, ECS_LEAVES.get(path)?.kind]),
    );
    expect(kinds).toEqual({
      '@timestamp': 'date',
      message: 'keyword',
      'source.ip': 'ip',
      'related.ip': 'ips',
      tags: 'keywords',
      'source.port': 'long',
      'event.risk_score': 'float',
      'event.kind': 'enum',
      labels: 'record',
      'source.geo.location': 'geo_point',
      'http.response.body.bytes': 'long',
    });
    expect(ECS_LEAVES.get('event.outcome')?.values).toEqual(new Set(['failure', 'success', 'unknown']));
    expect(ECS_LEAVES.get('source')).toBeUndefined();
  });
});
