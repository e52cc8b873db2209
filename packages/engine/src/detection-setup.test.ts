import { describe, expect, it } from 'vitest';
import { engineConfigSchema } from './config.ts';
import { createDetection } from './detection-setup.ts';

describe('createDetection', () => {
  it("has routed hits carry the fields the configured enrichment reads, so a correlation's owner can enrich the event that makes it fire", async () => {
    const config = engineConfigSchema.parse({
      enrichment: {
        geoip: { cityDatabase: '/nonexistent/city.mmdb', fields: ['observer.ip'] },
        intel: { fields: [{ field: 'labels.remote_ip', kind: 'ip' }] },
      },
    });
    const detection = await createDetection(config);
    expect(detection.ruleset.shownFields).toEqual(expect.arrayContaining(['observer.ip', 'labels.remote_ip', 'source', 'threat.enrichments']));
    // Each has a slot: the shown event is written from the event's text without parsing it.
    for (const field of ['observer.ip', 'labels.remote_ip']) expect(detection.ruleset.fields.find(field)).toBeGreaterThanOrEqual(0);
  });
});
