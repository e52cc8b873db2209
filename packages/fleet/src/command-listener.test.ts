import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedBus, type BusConsumer, type EmbeddedBus } from '@vigil/bus';
import { ControlVerifier, CoreControlSigner, EdgeControlSigner, createCertificateAuthority, generateRsaKeyPair, issueEdgeCertificate } from '@vigil/provenance';
import { Metrics, silentLogger } from '@vigil/runtime';
import { TOPICS } from '@vigil/schema';
import { CommandListener, type CommandHandler, type CommandOutcome } from './command-listener.ts';
import { REVOCATIONS_KEY, commandResultSchema, type Command, type CommandResult } from './messages.ts';

const ca = createCertificateAuthority();
const keys = generateRsaKeyPair();
const identity = { edgeId: 'fw-edge-1', privateKeyPem: keys.privateKeyPem, certificatePem: issueEdgeCertificate(ca, { edgeId: 'fw-edge-1', publicKeyPem: keys.publicKeyPem }) };
const core = new CoreControlSigner(ca.privateKeyPem);
// Signed with a key that is not the CA's: what an edge or an intruder on the bus could make.
const forger = new CoreControlSigner(keys.privateKeyPem);

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Does what it is told and remembers it; `fail` makes one action throw like a broken handler would. */
class RecordingHandler implements CommandHandler {
  readonly executed: Command[] = [];
  fail: string | undefined;

  async execute(command: Command): Promise<CommandOutcome> {
    this.executed.push(command);
    if (command.action === this.fail) throw new Error('cannot write /var/lib/vigil/edge/blocked-sources.json: EROFS');
    return { status: 'succeeded', detail: `${command.action} done` };
  }
}

function command(overrides: Partial<Command> = {}): Command {
  const now = Date.now();
  return {
    type: 'command',
    id: randomUUID(),
    edgeId: 'fw-edge-1',
    issuedAtMs: now,
    expiresAtMs: now + 300_000,
    issuedBy: 'alice',
    action: 'block-source',
    args: { address: '203.0.113.0/24' },
    ...overrides,
  } as Command;
}

describe('command listener on the embedded bus', () => {
  let dir: string;
  let bus: EmbeddedBus;
  let metrics: Metrics;
  let handler: RecordingHandler;
  const running: Array<{ stop(): Promise<void> }> = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-commands-'));
    bus = await createEmbeddedBus({ directory: join(dir, 'bus'), pollIntervalMs: 20 });
    await bus.ensureTopics([TOPICS.commands, TOPICS.heartbeats].map((name) => ({ name, partitions: 2, replicationFactor: 1 })));
    metrics = new Metrics({ defaultMetrics: false });
    handler = new RecordingHandler();
  });

  afterEach(async () => {
    for (const component of running.splice(0).reverse()) await component.stop();
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function startListener(maxAuditBytes?: number): Promise<CommandListener> {
    const listener = new CommandListener({
      bus,
      producer: bus.createProducer(),
      signer: new EdgeControlSigner(identity),
      verifier: new ControlVerifier({ caCertificatePem: ca.certificatePem }),
      edgeId: 'fw-edge-1',
      handler,
      stateFile: join(dir, 'edge', 'commands.json'),
      auditFile: join(dir, 'edge', 'commands.log'),
      ...(maxAuditBytes === undefined ? {} : { maxAuditBytes }),
      metrics,
      logger: silentLogger(),
    });
    await listener.start();
    running.push(listener);
    return listener;
  }

  const send = (key: string, value: string) => bus.createProducer().send(TOPICS.commands, [{ key, value }]);

  /** Results the edge published, each checked against the CA as the core checks them. */
  async function collectResults(): Promise<CommandResult[]> {
    const results: CommandResult[] = [];
    const verifier = new ControlVerifier({ caCertificatePem: ca.certificatePem });
    const consumer: BusConsumer = bus.createConsumer({ groupId: `core-${randomUUID()}`, topics: [TOPICS.heartbeats], fromBeginning: true });
    await consumer.run(async (batch) => {
      for (const message of batch.messages) {
        const verified = verifier.fromEdge(message.value);
        if (!verified.ok) throw verified.error;
        expect(verified.edgeId).toBe('fw-edge-1');
        expect(message.key?.toString()).toBe('fw-edge-1');
        results.push(commandResultSchema.parse(verified.payload));
      }
    });
    running.push(consumer);
    return results;
  }

  const audit = () =>
    readFileSync(join(dir, 'edge', 'commands.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const counted = async (labels: string) => (await metrics.render()).body.match(new RegExp(`vigil_edge_commands_total\\{${labels}\\} (\\d+)`))?.[1];

  it('runs a CA-signed command once, also when it is delivered again after a restart', async () => {
    const results = await collectResults();
    const block = command();
    const first = await startListener();
    await send('fw-edge-1', core.sign(block));
    await until(() => results.length === 1, 'the first result');
    expect(handler.executed.map((executed) => executed.id)).toEqual([block.id]);
    expect(results[0]).toMatchObject({ type: 'command-result', commandId: block.id, edgeId: 'fw-edge-1', action: 'block-source', status: 'succeeded', detail: 'block-source done' });
    await first.stop();

    // The same command again (a redelivery) and a new one, read by a restarted edge.
    const level = command({ action: 'set-log-level', args: { level: 'debug' } } as Partial<Command>);
    await send('fw-edge-1', core.sign(block));
    await send('fw-edge-1', core.sign(level));
    await startListener();
    await until(() => results.length === 2, 'the second result');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(handler.executed.map((executed) => executed.id)).toEqual([block.id, level.id]);
    expect(results.map((result) => [result.commandId, result.status])).toEqual([
      [block.id, 'succeeded'],
      [level.id, 'succeeded'],
    ]);
    expect(await counted('action="block-source",status="duplicate"')).toBe('1');
    expect(audit().map((line) => [line.commandId, line.status])).toEqual([
      [block.id, 'succeeded'],
      [level.id, 'succeeded'],
    ]);
    expect(audit()[0]).toMatchObject({ command: { issuedBy: 'alice', args: { address: '203.0.113.0/24' } }, detail: 'block-source done' });
  });

  it('keeps the command log bounded: past its size it moves to commands.log.1', async () => {
    const results = await collectResults();
    await startListener(1);
    const commands = [command(), command(), command()];
    for (const each of commands) {
      await send('fw-edge-1', core.sign(each));
      await until(() => results.length === commands.indexOf(each) + 1, 'the result');
    }
    // Each record found the log over its 1-byte limit: the last is alone in the log, the one before in .1.
    expect(audit().map((line) => line.commandId)).toEqual([commands[2]!.id]);
    const previous = readFileSync(join(dir, 'edge', 'commands.log.1'), 'utf8').trim().split('\n');
    expect(previous.map((line) => (JSON.parse(line) as { commandId: string }).commandId)).toEqual([commands[1]!.id]);
  });

  it('acts on nothing forged, misaddressed or expired, records it and reports what it may', async () => {
    const results = await collectResults();
    await startListener();
    const forged = command();
    const edgeSigned = command();
    const misaddressed = command({ edgeId: 'fw-edge-2' });
    const expired = command({ issuedAtMs: Date.now() - 120_000, expiresAtMs: Date.now() - 60_000 });
    const broken = command({ action: 'reload-config', args: {} } as Partial<Command>);
    handler.fail = 'reload-config';
    await send('fw-edge-1', forger.sign(forged));
    await send('fw-edge-1', new EdgeControlSigner(identity).sign(edgeSigned));
    await send('fw-edge-1', core.sign(misaddressed));
    await send('fw-edge-1', core.sign({ ...command(), action: 'reboot', args: {} }));
    await send('fw-edge-2', core.sign(command({ edgeId: 'fw-edge-2' })));
    await send(REVOCATIONS_KEY, core.sign({ type: 'revocations', issuedAtMs: 1, revoked: [] }));
    await send('fw-edge-1', core.sign(expired));
    await send('fw-edge-1', core.sign(broken));
    const good = command({ action: 'unblock-source', args: { address: '2001:db8::/32' } } as Partial<Command>);
    await send('fw-edge-1', core.sign(good));
    await until(() => results.length === 3, 'three results');

    expect(handler.executed.map((executed) => executed.id)).toEqual([broken.id, good.id]);
    expect(results.map((result) => [result.commandId, result.status])).toEqual([
      [expired.id, 'expired'],
      [broken.id, 'failed'],
      [good.id, 'succeeded'],
    ]);
    expect(results[0]!.detail).toMatch(/expired at/);
    expect(results[1]!.detail).toMatch(/EROFS/);

    const records = audit();
    expect(records.map((line) => [line.status, line.code ?? null])).toEqual([
      ['rejected', 'VIGIL_ERR_PROVENANCE_BAD_SIGNATURE'],
      ['rejected', 'VIGIL_ERR_PROVENANCE_BAD_SIGNATURE'],
      ['rejected', 'VIGIL_ERR_FLEET_COMMAND_WRONG_EDGE'],
      ['rejected', 'VIGIL_ERR_FLEET_BAD_COMMAND'],
      ['expired', null],
      ['failed', null],
      ['succeeded', null],
    ]);
    expect(records[2]).toMatchObject({ commandId: misaddressed.id, command: { edgeId: 'fw-edge-2' } });
    expect(await counted('action="unknown",status="rejected"')).toBe('3');
    expect(await counted('action="block-source",status="rejected"')).toBe('1');
    expect(await counted('action="block-source",status="expired"')).toBe('1');
    expect(await counted('action="reload-config",status="failed"')).toBe('1');
  });
});
