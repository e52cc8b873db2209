import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateEvent } from '@vigil/schema';
import { metricValue } from '../test-support.ts';
import { cleanups, runCleanups, startEdge, tcpClient } from '../syslog/test-harness.ts';

afterEach(runCleanups);

describe('edge-side processing in a running edge', () => {
  it('drops filtered syslog lines, pseudonymises users and addresses, and folds repeats, over a real TCP connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-processing-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { edge, producer, metrics } = await startEdge({
      syslog: { udp: { enabled: false }, tls: { enabled: false } },
      processing: {
        filters: [{ name: 'no-cron-noise', action: 'drop', where: { field: 'process.name', equals: 'CRON' } }],
        pseudonymise: { fields: ['user.name', 'source.ip'], keyFile: join(dir, 'pseudonym.key') },
        aggregate: { enabled: true, windowMs: 60_000, keyFields: ['message', 'host.hostname'] },
      },
    });
    const socket = await tcpClient(edge.addresses().syslogTcp!.port);
    const lines = [
      '<86>Nov 24 10:00:00 bastion sshd[100]: Failed password for alice from 203.0.113.9 port 40000 ssh2',
      '<78>Nov 24 10:00:01 bastion CRON[200]: (root) CMD (run-parts /etc/cron.hourly)',
      '<13>Nov 24 10:00:02 web-1 app: disk almost full',
      '<13>Nov 24 10:00:03 web-1 app: disk almost full',
      '<13>Nov 24 10:00:04 web-1 app: disk almost full',
    ];
    socket.end(lines.map((line) => `${line}\n`).join(''));
    await producer.waitForEvents(2);
    await edge.stop();
    const events = producer.events();
    // The cron line was filtered out; the two repeats of the disk line became one event with a count.
    expect(events).toHaveLength(3);
    const [login, first, repeats] = events;
    expect(login!.message).toBe(`Failed password for ${login!.user!.name} from ${login!.source!.ip} port 40000 ssh2`);
    expect([first!.message, repeats!.message]).toEqual(['disk almost full', 'disk almost full']);
    expect(login!.user!.name).toMatch(/^pseud:/);
    expect(login!.source!.ip).toMatch(/^fd/);
    expect(login!.event!.original).not.toContain('alice');
    expect(login!.event!.original).not.toContain('203.0.113.9');
    expect(login!.tags).toContain('pseudonymised');
    expect(first!.vigil?.aggregation).toBeUndefined();
    expect(repeats!.vigil?.aggregation?.count).toBe(2);
    for (const event of events) expect(validateEvent(event).ok).toBe(true);
    expect(await metricValue(metrics, 'vigil_edge_filtered_total', { filter: 'no-cron-noise' })).toBe(1);
  });
});
