import type { EcsEvent } from '@vigil/schema';
import { parsedOrEmpty } from '../sigma/parsed-event.ts';
import type { Asset, AssetInventory } from './assets/asset-inventory.ts';
import type { GeoipEnricher } from './geoip/geoip-enricher.ts';
import type { IntelMatcher } from './intel/intel-matcher.ts';

/** What enriching an event found besides the fields it set on the event. */
export interface EnrichmentFindings {
  /** The highest confidence (0–100) of the threat-intel indicators the event matched. */
  readonly intelConfidence: number | undefined;
  /** The asset the event is about, from the asset inventory. */
  readonly asset: Asset | undefined;
}

/** The enrichment sources an engine has; each is optional. */
export interface EnrichmentSources {
  readonly geoip?: { readonly enricher: GeoipEnricher; readonly fields: readonly string[] };
  readonly intel?: IntelMatcher;
  readonly assets?: AssetInventory;
}

/**
 * Enriches an event in place: `<x>.geo`/`<x>.as` from the GeoIP databases, `threat.enrichments`
 * from the threat-intel indicators it matches; and finds its asset. The engine runs it for
 * every event that raises an alert, for the event that completes a correlation (where the
 * correlation fires, on the fields its hits carry), and before matching for events a rule reads
 * an enriched field of (see `writes`).
 */
export class EventEnricher {
  /** The field paths enrichment sets (prefixes): a rule reading one of them needs the event enriched first. */
  readonly writes: readonly string[];
  readonly #sources: EnrichmentSources;

  constructor(sources: EnrichmentSources) {
    this.#sources = sources;
    const geoPrefixes = (sources.geoip?.fields ?? []).flatMap((field) => {
      const base = field.slice(0, -'.ip'.length);
      return [`${base}.geo`, `${base}.as`];
    });
    this.writes = [...geoPrefixes, ...(sources.intel ? ['threat.enrichments'] : [])];
  }

  /** True when there is anything to enrich with. */
  get active(): boolean {
    return this.#sources.geoip !== undefined || this.#sources.intel !== undefined || this.#sources.assets !== undefined;
  }

  enrich(event: EcsEvent): EnrichmentFindings {
    const { geoip, intel, assets } = this.#sources;
    geoip?.enricher.enrich(event as Record<string, unknown>);
    const match = intel?.match(event);
    if (match) {
      const threat = (event.threat ??= {});
      threat.enrichments = [...(threat.enrichments ?? []), ...match.enrichments];
    }
    return { intelConfidence: match?.maxConfidence, asset: assets?.assetOf(event) };
  }
}

/**
 * Enriches the shown part of an event (`ShownEvent`: the JSON text a routed hit carries, with
 * the fields enrichment reads): the text with what enrichment added, and what it found. Cheaper
 * than enriching the whole event (a few hundred bytes parsed instead of a kilobyte), and the
 * same result: enrichment reads and writes only fields the shown event holds.
 */
export function enrichShownText(enricher: EventEnricher, text: string): { text: string; findings: EnrichmentFindings } {
  const event = parsedOrEmpty(text);
  const findings = enricher.enrich(event);
  return { text: JSON.stringify(event), findings };
}
