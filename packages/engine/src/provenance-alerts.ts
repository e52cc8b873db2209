import { createHash } from 'node:crypto';
import { SEVERITY_SCORE, type Alert, type AlertSeverity } from '@vigil/schema';

/** A provenance problem the engine raises alerts about. */
export interface ProvenanceProblem {
  /** The error code, e.g. VIGIL_ERR_PROVENANCE_BAD_SIGNATURE, or `sequence-gap`. */
  kind: string;
  /** The edge the batch claims to come from ('unknown' when unreadable). */
  edgeId: string;
  /** What happened, for the alert message. */
  detail: string;
  /** Where the batch sat on the bus, so the alert's id is stable across redelivery. */
  origin: string;
  at: Date;
}

interface ProvenanceRule {
  id: string;
  name: string;
  description: string;
  severity: AlertSeverity;
  technique: { id: string; name: string };
}

const INTEGRITY: ProvenanceRule['technique'] = { id: 'T1565.002', name: 'Transmitted Data Manipulation' };
const RULES: Record<string, ProvenanceRule> = {
  VIGIL_ERR_PROVENANCE_BAD_SIGNATURE: {
    id: 'vigil-provenance-bad-signature',
    name: 'Edge batch with a bad signature',
    description: 'A batch on vigil.events does not verify against its edge certificate: it was changed after the edge signed it.',
    severity: 'high',
    technique: INTEGRITY,
  },
  VIGIL_ERR_PROVENANCE_UNKNOWN_EDGE: {
    id: 'vigil-provenance-unknown-edge',
    name: 'Batch from an edge this Vigil CA never enrolled',
    description: 'A batch was signed with a certificate that does not chain to the Vigil CA.',
    severity: 'high',
    technique: INTEGRITY,
  },
  VIGIL_ERR_PROVENANCE_EDGE_MISMATCH: {
    id: 'vigil-provenance-edge-mismatch',
    name: 'Batch claims another edge than its certificate',
    description: "A batch's edge id differs from the certificate that signed it.",
    severity: 'high',
    technique: INTEGRITY,
  },
  VIGIL_ERR_PROVENANCE_REVOKED: {
    id: 'vigil-provenance-revoked-edge',
    name: 'Batch from a revoked edge',
    description: 'A revoked edge is still sending batches.',
    severity: 'high',
    technique: INTEGRITY,
  },
  VIGIL_ERR_PROVENANCE_CERT_EXPIRED: {
    id: 'vigil-provenance-expired-certificate',
    name: 'Batch signed with an expired edge certificate',
    description: 'An edge signs with a certificate outside its validity period.',
    severity: 'medium',
    technique: INTEGRITY,
  },
  VIGIL_ERR_PROVENANCE_MALFORMED: {
    id: 'vigil-provenance-malformed-batch',
    name: 'Malformed batch on the event bus',
    description: 'Something that is not a signed Vigil batch was published on vigil.events.',
    severity: 'medium',
    technique: INTEGRITY,
  },
  VIGIL_ERR_PROVENANCE_REPLAY: {
    id: 'vigil-provenance-replay',
    name: 'Replayed edge batch',
    description: 'A batch with a sequence number already seen from this edge was published again.',
    severity: 'high',
    technique: { id: 'T1565.002', name: 'Transmitted Data Manipulation' },
  },
  'edge-silent': {
    id: 'vigil-fleet-edge-silent',
    name: 'Edge went silent',
    description: 'An enrolled edge stopped sending heartbeats: it is down, cut off from the bus, or being suppressed.',
    severity: 'medium',
    technique: { id: 'T1562.006', name: 'Indicator Blocking' },
  },
  'edge-clock-drift': {
    id: 'vigil-fleet-edge-clock-drift',
    name: "Edge clock drifts from the core's",
    description: "An edge's clock differs from the core's by more than the allowed skew: its receipt times (event.created) cannot be trusted for ordering.",
    severity: 'medium',
    technique: { id: 'T1070.006', name: 'Timestomp' },
  },
  'sequence-gap': {
    id: 'vigil-provenance-sequence-gap',
    name: 'Batches missing from an edge',
    description: "An edge's batch sequence jumped: batches were lost or suppressed between the edge and the core.",
    severity: 'medium',
    technique: { id: 'T1562.006', name: 'Indicator Blocking' },
  },
};

/**
 * Alerts about provenance: rejected signatures, unknown or revoked edges, replays and
 * sequence gaps. The same problem from the same edge within the dedup window updates one
 * alert (its count grows) instead of raising hundreds.
 */
export class ProvenanceAlerts {
  readonly #dedupWindowMs: number;
  readonly #active = new Map<string, Alert>();

  constructor(dedupWindowMs: number) {
    this.#dedupWindowMs = dedupWindowMs;
  }

  raise(problem: ProvenanceProblem): Alert {
    const rule = RULES[problem.kind] ?? RULES.VIGIL_ERR_PROVENANCE_MALFORMED!;
    const dedupKey = `${rule.id}|edge=${problem.edgeId}`;
    const at = problem.at.toISOString();
    const previous = this.#active.get(dedupKey);
    const message = `${rule.name}: edge ${problem.edgeId}: ${problem.detail}`;
    if (previous && problem.at.getTime() - Date.parse(previous.vigil.alert.last_seen) <= this.#dedupWindowMs) {
      const updated: Alert = {
        ...previous,
        message,
        vigil: { alert: { ...previous.vigil.alert, count: previous.vigil.alert.count + 1, last_seen: at } },
      };
      this.#active.set(dedupKey, updated);
      return updated;
    }
    const alert: Alert = {
      id: createHash('sha256').update(`${dedupKey}\n${problem.origin}`).digest('base64url').slice(0, 20),
      '@timestamp': at,
      message,
      event: { kind: 'alert', severity: SEVERITY_SCORE[rule.severity], risk_score: SEVERITY_SCORE[rule.severity], created: at, category: ['intrusion_detection'] },
      rule: { id: rule.id, name: rule.name, description: rule.description, type: 'provenance', tags: ['attack.defense_evasion', `attack.${rule.technique.id.toLowerCase()}`] },
      threat: { framework: 'MITRE ATT&CK', technique: { id: [rule.technique.id], name: [rule.technique.name] } },
      vigil: {
        alert: {
          severity: rule.severity,
          status: 'open',
          assignee: null,
          dedup_key: dedupKey,
          group: { 'vigil.edge.id': problem.edgeId },
          count: 1,
          first_seen: at,
          last_seen: at,
          event_ids: [],
          comments: [],
          history: [],
        },
      },
    };
    this.#active.set(dedupKey, alert);
    return alert;
  }
}
