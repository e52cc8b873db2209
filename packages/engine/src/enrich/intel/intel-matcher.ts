import type { Indicator } from './indicator.ts';
import type { IndicatorStore, LookupKind } from './indicator-store.ts';
import { DEFAULT_MATCH_FIELDS, type MatchField } from './match-fields.ts';

/** ECS `threat.enrichments.indicator.type` values Vigil's indicators map to. */
export type EcsIndicatorType = 'ipv4-addr' | 'ipv6-addr' | 'domain-name' | 'url' | 'file';
/** ECS `threat.enrichments.indicator.confidence` values (the STIX None/Low/Med/High scale). */
export type EcsConfidence = 'None' | 'Low' | 'Medium' | 'High';

/** One ECS `threat.enrichments` entry: the indicator and what in the event matched it. */
export interface ThreatEnrichment {
  indicator: {
    type: EcsIndicatorType;
    /** The indicator's value as shown to analysts (a network for CIDR indicators). */
    name: string;
    /** Set for single addresses; a network has only `name`, since ECS `ip` holds one address. */
    ip?: string;
    url?: { full?: string; domain?: string };
    file?: { hash: Partial<Record<'md5' | 'sha1' | 'sha256', string>> };
    /** The feed's name. */
    provider: string;
    confidence: EcsConfidence;
    description?: string;
    first_seen?: string;
    last_seen?: string;
    reference?: string;
  };
  matched: {
    /** The event's value that matched. */
    atomic: string;
    /** The event field it was in. */
    field: string;
    type: 'indicator_match_rule';
    /** The feed's own id of the indicator. */
    id?: string;
    occurred: string;
  };
}

/** What matching one event found. */
export interface IntelMatch {
  readonly enrichments: ThreatEnrichment[];
  /** The highest confidence (0–100) of the matched indicators, for the alert's risk score. */
  readonly maxConfidence: number;
}

/** Options of an {@link IntelMatcher}. */
export interface IntelMatcherOptions {
  /** Fields looked up; {@link DEFAULT_MATCH_FIELDS} when unset. */
  fields?: readonly MatchField[];
  now?: () => number;
}

/** The ECS confidence keyword for a 0–100 confidence (STIX 2.1 appendix A: 0 None, 1–29 Low, 30–69 Medium, 70–100 High). */
export function confidenceLabel(confidence: number): EcsConfidence {
  if (confidence <= 0) return 'None';
  if (confidence < 30) return 'Low';
  if (confidence < 70) return 'Medium';
  return 'High';
}

interface CompiledField {
  readonly field: string;
  readonly path: readonly string[];
  readonly kind: LookupKind;
}

/**
 * Looks an event's fields up in an {@link IndicatorStore} and describes each hit as an ECS
 * `threat.enrichments` entry. Field paths are split once; an event with no hit costs the
 * lookups and no allocation.
 */
export class IntelMatcher {
  readonly #store: IndicatorStore;
  readonly #fields: readonly CompiledField[];
  readonly #now: () => number;
  readonly #hits: Hit[] = [];

  constructor(store: IndicatorStore, options: IntelMatcherOptions = {}) {
    this.#store = store;
    this.#fields = (options.fields ?? DEFAULT_MATCH_FIELDS).map(({ field, kind }) => ({ field, kind, path: field.split('.') }));
    this.#now = options.now ?? Date.now;
  }

  /** The event's matches, or undefined when nothing matched. */
  match(event: object): IntelMatch | undefined {
    // One scratch list reused by every call (match is synchronous), so a miss allocates nothing.
    const hits = this.#hits;
    hits.length = 0;
    let nowMs: number | undefined;
    for (const { field, path, kind } of this.#fields) {
      const value = valueAt(event, path);
      if (typeof value === 'string') {
        nowMs ??= this.#now();
        this.#lookup(kind, value, field, nowMs, hits);
      } else if (Array.isArray(value)) {
        nowMs ??= this.#now();
        for (const item of value) if (typeof item === 'string') this.#lookup(kind, item, field, nowMs, hits);
      }
    }
    if (hits.length === 0) return undefined;
    const occurred = new Date(nowMs!).toISOString();
    const result = {
      enrichments: hits.map((hit) => enrichment(hit.indicator, hit.atomic, hit.field, occurred)),
      maxConfidence: Math.max(...hits.map((hit) => hit.indicator.confidence)),
    };
    hits.length = 0;
    return result;
  }

  #lookup(kind: LookupKind, atomic: string, field: string, nowMs: number, hits: Hit[]): void {
    if (atomic === '') return;
    for (const indicator of this.#store.lookup(lookupKind(kind, atomic), atomic, nowMs)) {
      // The same indicator reached twice through one value (url.full and url.original) is one enrichment.
      if (!hits.some((hit) => hit.indicator === indicator && hit.atomic === atomic)) hits.push({ indicator, atomic, field });
    }
  }
}

interface Hit {
  readonly indicator: Indicator;
  readonly atomic: string;
  readonly field: string;
}

function valueAt(event: object, path: readonly string[]): unknown {
  let node: unknown = event;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

// A host name ending in a digit or holding ':' is an address (no top-level domain is numeric).
function lookupKind(kind: LookupKind, value: string): LookupKind {
  if (kind !== 'domain') return kind;
  const last = value.charCodeAt(value.length - 1);
  return (last >= 48 && last <= 57) || value.includes(':') ? 'ip' : kind;
}

function enrichment(indicator: Indicator, atomic: string, field: string, occurred: string): ThreatEnrichment {
  return {
    indicator: {
      ...typedFields(indicator),
      name: indicator.value,
      provider: indicator.source,
      confidence: confidenceLabel(indicator.confidence),
      ...(indicator.description !== undefined && { description: indicator.description }),
      ...(indicator.first_seen !== undefined && { first_seen: indicator.first_seen }),
      ...(indicator.last_seen !== undefined && { last_seen: indicator.last_seen }),
      ...(indicator.reference !== undefined && { reference: indicator.reference }),
    },
    matched: { atomic, field, type: 'indicator_match_rule', ...(indicator.id !== undefined && { id: indicator.id }), occurred },
  };
}

function typedFields({ type, value }: Indicator): Pick<ThreatEnrichment['indicator'], 'type' | 'ip' | 'url' | 'file'> {
  switch (type) {
    case 'ipv4':
      return { type: 'ipv4-addr', ip: value };
    case 'ipv6':
      return { type: 'ipv6-addr', ip: value };
    case 'cidr':
      return { type: value.includes(':') ? 'ipv6-addr' : 'ipv4-addr' };
    case 'domain':
      return { type: 'domain-name', url: { domain: value } };
    case 'url':
      return { type: 'url', url: { full: value } };
    default:
      return { type: 'file', file: { hash: { [type]: value } } };
  }
}
