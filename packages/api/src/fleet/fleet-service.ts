import { X509Certificate, createPublicKey, randomUUID } from 'node:crypto';
import type { Bus, BusProducer } from '@vigil/bus';
import {
  REVOCATIONS_KEY,
  RULE_STATES_KEY,
  SUPPRESSIONS_KEY,
  commandSchema,
  revocationListSchema,
  ruleStateListSchema,
  suppressionListSchema,
  type Command,
  type RevocationList,
  type RuleStateList,
  type Suppression,
  type SuppressionList,
} from '@vigil/fleet';
import { ControlVerifier, CoreControlSigner, type CertificateAuthority } from '@vigil/provenance';
import { describeError, type Component, type Logger, type Metrics } from '@vigil/runtime';
import { TOPICS } from '@vigil/schema';
import type { ApiConfig } from '../config.ts';
import { apiErrors } from '../errors.ts';
import { CertificateIssuer, type IssuedCertificate } from './certificate-issuer.ts';
import type { CommandRecord, CreatedEnrollmentToken, EdgeRecord, FleetRepository } from './fleet-repository.ts';
import { HeartbeatConsumer } from './heartbeat-consumer.ts';
import { ControlListPublisher } from './control-list-publisher.ts';

/** What the API needs from its host to manage edges. */
export interface ApiFleetDeps {
  readonly repository: FleetRepository;
  /** The bus to read heartbeats and command results from; without it, edge health is not updated. */
  readonly bus?: Bus;
  /** Publishes commands and revocation lists on `vigil.commands`. */
  readonly producer?: BusProducer;
  /**
   * The Vigil CA. The certificate checks what edges send; the private key (which a distributed
   * API process may not have) issues certificates and signs commands and revocation lists.
   */
  readonly ca?: { readonly certificatePem: string; readonly privateKeyPem?: string };
  /** The core's clock, for tests. */
  readonly now?: () => number;
}

/** A command as asked for through the API. */
export interface CommandRequest {
  action: Command['action'];
  args: Record<string, unknown>;
  ttlSeconds: number;
}

/**
 * The core's side of the fleet: enrollment, renewal, revocation and commands, on top of the
 * fleet repository. Its components (the heartbeat consumer and the revocation publisher) run
 * while the API runs.
 */
export class FleetService {
  readonly repository: FleetRepository;
  readonly now: () => number;
  /** Started with the API server, stopped before it. */
  readonly components: readonly Component[];
  readonly #issuer: CertificateIssuer | undefined;
  readonly #signer: CoreControlSigner | undefined;
  readonly #producer: BusProducer | undefined;
  readonly #revocations: ControlListPublisher<RevocationList> | undefined;
  readonly #suppressions: ControlListPublisher<SuppressionList> | undefined;
  readonly #ruleStates: ControlListPublisher<RuleStateList> | undefined;
  readonly #republishSeconds: number;

  constructor(deps: ApiFleetDeps, options: { config: ApiConfig['fleet']; metrics: Metrics; logger: Logger }) {
    const { config, metrics, logger } = options;
    this.repository = deps.repository;
    this.now = deps.now ?? Date.now;
    this.#producer = deps.producer;
    this.#republishSeconds = Math.round(config.revocationRepublishMs / 1000);
    const components: Component[] = [];
    const ca = deps.ca;
    if (ca?.privateKeyPem !== undefined) {
      assertKeyMatches(ca.certificatePem, ca.privateKeyPem);
      const authority: CertificateAuthority = { certificatePem: ca.certificatePem, privateKeyPem: ca.privateKeyPem };
      this.#issuer = new CertificateIssuer({ ca: authority, validityDays: config.certificateValidityDays, now: this.now });
      this.#signer = new CoreControlSigner(ca.privateKeyPem);
      if (deps.producer) {
        const shared = { producer: deps.producer, signer: this.#signer, intervalMs: config.revocationRepublishMs, metrics, logger };
        this.#revocations = new ControlListPublisher({
          ...shared,
          name: 'fleet-revocation-publisher',
          key: REVOCATIONS_KEY,
          what: 'revocation list',
          counter: { name: 'vigil_api_fleet_revocation_lists_total', help: 'Revocation lists published on vigil.commands, by outcome.' },
          // Nothing is published while no edge is revoked.
          list: async () => {
            const { issuedAtMs, revoked } = await this.repository.revocations();
            return revoked.length === 0 ? null : revocationListSchema.parse({ type: 'revocations', issuedAtMs, revoked });
          },
        });
        this.#suppressions = new ControlListPublisher({
          ...shared,
          name: 'alert-suppression-publisher',
          key: SUPPRESSIONS_KEY,
          what: 'suppression list',
          counter: { name: 'vigil_api_suppression_lists_total', help: 'Alert suppression lists published on vigil.commands, by outcome.' },
          // Published once anything was ever suppressed, so a deletion reaches the engines as an empty list.
          list: async () => {
            const { issuedAtMs, suppressions } = await this.repository.suppressions(this.now());
            return issuedAtMs === 0 ? null : suppressionListSchema.parse({ type: 'suppressions', issuedAtMs, suppressions });
          },
        });
        this.#ruleStates = new ControlListPublisher({
          ...shared,
          name: 'rule-state-publisher',
          key: RULE_STATES_KEY,
          what: 'rule state list',
          counter: { name: 'vigil_api_rule_state_lists_total', help: 'Lists of disabled rules published on vigil.commands, by outcome.' },
          // Published once any rule was ever turned off, so turning it back on reaches the engines.
          list: async () => {
            const { issuedAtMs, disabled } = await this.repository.ruleStates();
            return issuedAtMs === 0 ? null : ruleStateListSchema.parse({ type: 'rule-states', issuedAtMs, disabled });
          },
        });
        components.push(this.#revocations, this.#suppressions, this.#ruleStates);
      }
    }
    if (ca && deps.bus) {
      const verifier = new ControlVerifier({ caCertificatePem: ca.certificatePem, now: this.now });
      components.push(new HeartbeatConsumer({ bus: deps.bus, repository: this.repository, verifier, metrics, logger, now: this.now }));
    } else {
      components.push({
        name: 'fleet-heartbeats-off',
        start: async () => logger.warn({ hasCa: ca !== undefined, hasBus: deps.bus !== undefined }, 'edge heartbeats are not read: the API needs the bus and the CA certificate for that'),
        stop: async () => {},
      });
    }
    this.components = components;
  }

  /** A one-time token that lets its holder enroll as `edgeId`. */
  async createEnrollmentToken(edgeId: string, ttlSeconds: number): Promise<CreatedEnrollmentToken> {
    const edge = await this.repository.getEdge(edgeId);
    if (edge?.revokedAtMs != null) throw apiErrors.create('VIGIL_ERR_API_EDGE_REVOKED', { edgeId });
    return this.repository.createEnrollmentToken({ edgeId, ttlMs: ttlSeconds * 1000 }, this.now());
  }

  /** Issues the first certificate of an edge against a one-time token and the edge's CSR. */
  async enroll(token: string, csrPem: string): Promise<IssuedCertificate> {
    const issuer = this.#requireIssuer('enrollment');
    const nowMs = this.now();
    const edgeId = await this.repository.findEnrollmentToken(token, nowMs);
    if (edgeId === null) throw apiErrors.create('VIGIL_ERR_API_ENROLL_TOKEN_INVALID');
    await this.#refuseRevoked(edgeId);
    const publicKeyPem = issuer.checkRequest(csrPem, edgeId);
    // The token is used up only once the request is known good, so a typo in the CSR does not burn it.
    if ((await this.repository.consumeEnrollmentToken(token, nowMs)) === null) throw apiErrors.create('VIGIL_ERR_API_ENROLL_TOKEN_INVALID');
    return this.#issue(issuer, edgeId, publicKeyPem, 'enroll');
  }

  /** Issues a new certificate to an edge that proves it holds its current, trusted one. */
  async renew(certificatePem: string, csrPem: string, signature: string): Promise<IssuedCertificate> {
    const issuer = this.#requireIssuer('certificate renewal');
    const edgeId = issuer.authenticateRenewal(certificatePem, csrPem, signature);
    await this.#refuseRevoked(edgeId);
    const publicKeyPem = issuer.checkRequest(csrPem, edgeId);
    return this.#issue(issuer, edgeId, publicKeyPem, 'renew');
  }

  /** Revokes an edge and publishes the new revocation list at once. */
  async revoke(edgeId: string, reason: string): Promise<EdgeRecord> {
    const publisher = this.#requirePublisher('revocation', this.#revocations);
    const edge = await this.repository.revokeEdge(edgeId, reason, this.now());
    await this.#publishNow(publisher, `the revocation list (the revocation of ${edgeId} is recorded`);
    return edge;
  }

  /** Records an alert suppression and publishes the suppression list to the engines at once. */
  async suppress(input: Omit<Suppression, 'id' | 'createdAtMs'>): Promise<Suppression> {
    const publisher = this.#requirePublisher('alert suppression', this.#suppressions);
    const suppression = await this.repository.createSuppression({ ...input, id: randomUUID() }, this.now());
    await this.#publishNow(publisher, `the suppression list (suppression ${suppression.id} is recorded`);
    return suppression;
  }

  /** Ends a suppression before its expiry; false when there is none with this id (or it has ended). */
  async unsuppress(id: string, actor: string): Promise<boolean> {
    const publisher = this.#requirePublisher('alert suppression', this.#suppressions);
    if (!(await this.repository.endSuppression(id, actor, this.now()))) return false;
    await this.#publishNow(publisher, `the suppression list (the end of suppression ${id} is recorded`);
    return true;
  }

  /** Turns a rule on or off and publishes the list of disabled rules to the engines at once. */
  async setRuleState(change: { rule: string; enabled: boolean; reason: string | null; actor: string }): Promise<void> {
    const publisher = this.#requirePublisher('rule state', this.#ruleStates);
    await this.repository.setRuleState(change, this.now());
    await this.#publishNow(publisher, `the list of disabled rules (rule ${change.rule} ${change.enabled ? 'on' : 'off'} is recorded`);
  }

  async #publishNow(publisher: ControlListPublisher<object>, recorded: string): Promise<void> {
    try {
      await publisher.publish();
    } catch (error) {
      throw apiErrors.create('VIGIL_ERR_API_FLEET_PUBLISH_FAILED', { what: `${recorded}; the list is published again within ${this.#republishSeconds} s)`, reason: describeError(error) });
    }
  }

  /** Signs a command for an edge, records it as pending and publishes it on `vigil.commands`. */
  async issueCommand(edgeId: string, request: CommandRequest, issuedBy: string): Promise<CommandRecord> {
    this.#requirePublisher('commands', this.#revocations);
    const signer = this.#signer!;
    const producer = this.#producer!;
    const edge = await this.repository.getEdge(edgeId);
    if (!edge) throw apiErrors.create('VIGIL_ERR_API_EDGE_NOT_FOUND', { edgeId });
    if (edge.revokedAtMs !== null) throw apiErrors.create('VIGIL_ERR_API_EDGE_REVOKED', { edgeId });
    const issuedAtMs = this.now();
    const parsed = commandSchema.safeParse({
      type: 'command',
      id: randomUUID(),
      edgeId,
      issuedAtMs,
      expiresAtMs: issuedAtMs + request.ttlSeconds * 1000,
      issuedBy,
      action: request.action,
      args: request.args,
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw apiErrors.create('VIGIL_ERR_API_BAD_REQUEST', { summary: `body.args: ${issue?.message ?? 'invalid for this action'}` });
    }
    const command = parsed.data;
    // Recorded before it is sent, so no command can reach an edge without a record of it.
    const record = await this.repository.createCommand({
      id: command.id,
      edgeId,
      action: command.action,
      args: command.args,
      issuedBy,
      issuedAtMs,
      expiresAtMs: command.expiresAtMs,
    });
    try {
      await producer.send(TOPICS.commands, [{ key: edgeId, value: signer.sign(command) }]);
    } catch (error) {
      await this.repository.closeCommand(command.id, 'failed', `not published to the bus: ${describeError(error)}`, this.now());
      throw apiErrors.create('VIGIL_ERR_API_FLEET_PUBLISH_FAILED', { what: `command ${command.id}`, reason: describeError(error) });
    }
    return record;
  }

  /** An edge known to the core, or VIGIL_ERR_API_EDGE_NOT_FOUND. */
  async edge(edgeId: string): Promise<EdgeRecord> {
    const edge = await this.repository.getEdge(edgeId);
    if (!edge) throw apiErrors.create('VIGIL_ERR_API_EDGE_NOT_FOUND', { edgeId });
    return edge;
  }

  async #issue(issuer: CertificateIssuer, edgeId: string, publicKeyPem: string, via: 'enroll' | 'renew'): Promise<IssuedCertificate> {
    const issued = issuer.issue(edgeId, publicKeyPem);
    await this.repository.recordCertificate(edgeId, { serial: issued.serial, notAfterMs: issued.notAfterMs, via }, this.now());
    return issued;
  }

  async #refuseRevoked(edgeId: string): Promise<void> {
    const edge = await this.repository.getEdge(edgeId);
    if (edge?.revokedAtMs != null) throw apiErrors.create('VIGIL_ERR_API_EDGE_REVOKED', { edgeId });
  }

  #requireIssuer(action: string): CertificateIssuer {
    if (!this.#issuer) throw apiErrors.create('VIGIL_ERR_API_FLEET_NO_CA_KEY', { action });
    return this.#issuer;
  }

  #requirePublisher<T extends object>(action: string, publisher: ControlListPublisher<T> | undefined): ControlListPublisher<T> {
    if (!this.#signer) throw apiErrors.create('VIGIL_ERR_API_FLEET_NO_CA_KEY', { action });
    if (!publisher) throw apiErrors.create('VIGIL_ERR_API_FLEET_NO_BUS', { action });
    return publisher;
  }
}

/** Fails start-up when the CA key and certificate do not belong together: nothing signed with it would verify. */
function assertKeyMatches(certificatePem: string, privateKeyPem: string): void {
  const fromKey = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' });
  const fromCertificate = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' });
  if (!fromKey.equals(fromCertificate)) throw apiErrors.create('VIGIL_ERR_API_FLEET_CA_KEY_MISMATCH');
}
