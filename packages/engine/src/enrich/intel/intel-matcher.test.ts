import { describe, expect, it } from 'vitest';
import type { Indicator } from './indicator.ts';
import { IndicatorStore } from './indicator-store.ts';
import { IntelMatcher, confidenceLabel } from './intel-matcher.ts';

const NOW = Date.parse('2026-03-01T00:00:00Z');

function loadedStore(): IndicatorStore {
  const store = new IndicatorStore({ maxIndicatorsPerFeed: 1_000, now: () => NOW });
  const cert: Indicator[] = [
    {
      type: 'cidr',
      value: '203.0.113.0/24',
      source: 'example-cert',
      confidence: 40,
      description: 'Bulletproof hosting range',
      first_seen: '2026-01-16T00:00:00.000Z',
      id: 'indicator--a1d2c3b4-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    },
    { type: 'url', value: 'http://downloads.bad.example/payload.bin', source: 'example-cert', confidence: 80 },
    { type: 'domain', value: 'bad.example', source: 'example-cert', confidence: 65, reference: 'https://cert.example.org/advisories/2026-004' },
  ];
  store.replaceFeed('example-cert', cert);
  store.replaceFeed('soc', [
    { type: 'ipv4', value: '198.51.100.7', source: 'soc', confidence: 90, description: 'Cobalt Strike team server', last_seen: '2026-02-27T00:00:00.000Z' },
    { type: 'sha256', value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', source: 'soc', confidence: 20 },
    { type: 'md5', value: 'ec30cb02bc91416a0283ea44320ec496', source: 'soc', confidence: 55 },
  ]);
  return store;
}

describe('intel matcher', () => {
  const matcher = new IntelMatcher(loadedStore(), { now: () => NOW });

  it('describes an address hit as an ECS threat.enrichments entry, with the max confidence', () => {
    const match = matcher.match({ source: { ip: '10.1.2.3', port: 51234 }, destination: { ip: '198.51.100.7', port: 443 } });
    expect(match).toEqual({
      maxConfidence: 90,
      enrichments: [
        {
          indicator: {
            type: 'ipv4-addr',
            ip: '198.51.100.7',
            name: '198.51.100.7',
            provider: 'soc',
            confidence: 'High',
            description: 'Cobalt Strike team server',
            last_seen: '2026-02-27T00:00:00.000Z',
          },
          matched: { atomic: '198.51.100.7', field: 'destination.ip', type: 'indicator_match_rule', occurred: '2026-03-01T00:00:00.000Z' },
        },
      ],
    });
  });

  it('finds networks, subdomains, normalized URLs and hashes across fields, one entry per indicator and value', () => {
    const match = matcher.match({
      client: { ip: '203.0.113.77' },
      url: { full: 'HTTP://Downloads.Bad.Example:80/payload.bin', original: 'HTTP://Downloads.Bad.Example:80/payload.bin', domain: 'downloads.bad.example' },
      file: { hash: { sha256: 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855' } },
      process: { hash: { md5: 'ec30cb02bc91416a0283ea44320ec496' } },
    });
    expect(match?.maxConfidence).toBe(80);
    expect(match?.enrichments.map((entry) => [entry.matched.field, entry.indicator.type, entry.indicator.confidence])).toEqual([
      ['client.ip', 'ipv4-addr', 'Medium'],
      ['url.domain', 'domain-name', 'Medium'],
      ['url.full', 'url', 'High'],
      ['file.hash.sha256', 'file', 'Low'],
      ['process.hash.md5', 'file', 'Medium'],
    ]);
    const [network, domain, url, sha256] = match!.enrichments;
    expect(network!.indicator).not.toHaveProperty('ip');
    expect(network!.indicator.name).toBe('203.0.113.0/24');
    expect(network!.matched.id).toBe('indicator--a1d2c3b4-5e6f-4a7b-8c9d-0e1f2a3b4c5d');
    expect(domain!.indicator).toMatchObject({ url: { domain: 'bad.example' }, reference: 'https://cert.example.org/advisories/2026-004' });
    expect(url!.indicator.url).toEqual({ full: 'http://downloads.bad.example/payload.bin' });
    expect(sha256!.indicator.file).toEqual({ hash: { sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } });
  });

  it('looks up DNS questions, an address written as a host, and list values of configured fields', () => {
    expect(matcher.match({ dns: { question: { name: 'cdn.Bad.Example.' } } })?.enrichments[0]?.matched).toMatchObject({ field: 'dns.question.name', atomic: 'cdn.Bad.Example.' });
    expect(matcher.match({ url: { domain: '198.51.100.7' } })?.enrichments[0]?.indicator.ip).toBe('198.51.100.7');
    const hosts = new IntelMatcher(loadedStore(), { fields: [{ field: 'related.ip', kind: 'ip' }], now: () => NOW });
    expect(hosts.match({ related: { ip: ['10.0.0.1', '203.0.113.9'] } })?.enrichments.map((entry) => entry.matched.atomic)).toEqual(['203.0.113.9']);
  });

  it('returns undefined when nothing matches or the fields are missing or not strings', () => {
    expect(matcher.match({ source: { ip: '10.0.0.1' }, destination: { domain: 'good.example' } })).toBeUndefined();
    expect(matcher.match({})).toBeUndefined();
    expect(matcher.match({ source: 'flat', destination: { ip: 42 }, file: { hash: null } })).toBeUndefined();
  });

  it('maps confidence to the ECS keywords on the STIX scale', () => {
    expect([0, 1, 29, 30, 69, 70, 100].map(confidenceLabel)).toEqual(['None', 'Low', 'Low', 'Medium', 'Medium', 'High', 'High']);
  });
});
