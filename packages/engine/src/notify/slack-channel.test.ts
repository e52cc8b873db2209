import { afterEach, describe, expect, it } from 'vitest';
import { FAST_RETRY, runCleanups, startNotifier, startReceiver, testAlert, until } from './test-harness.ts';

afterEach(runCleanups);

interface SlackPayload {
  text: string;
  blocks: Array<{ type: string; text?: { type: string; text: string }; fields?: Array<{ type: string; text: string }>; elements?: Array<Record<string, unknown>> }>;
}

/** A receiver shaped like Slack's incoming webhook: JSON with `text`, or 400 `invalid_payload`. */
async function startSlack(answerFirst?: { status: number; headers?: Record<string, string> }) {
  const payloads: SlackPayload[] = [];
  const receiver = await startReceiver((request, index) => {
    if (index === 0 && answerFirst) return answerFirst;
    const payload = JSON.parse(request.body.toString('utf8')) as SlackPayload;
    if (request.headers['content-type'] !== 'application/json; charset=utf-8' || typeof payload.text !== 'string') return { status: 400, body: 'invalid_payload' };
    payloads.push(payload);
    return { status: 200, body: 'ok' };
  });
  return { ...receiver, payloads };
}

describe('Slack channel', () => {
  it('posts a message with the alert as header, fields and a dashboard button, escaping text from the watched systems', async () => {
    const slack = await startSlack();
    const { notifier, records } = await startNotifier({
      dashboardUrl: 'https://vigil.example.com/',
      channels: [{ kind: 'slack', name: 'soc-slack', url: slack.url, retry: FAST_RETRY }],
    });
    const alert = testAlert({ message: 'Login as <!channel> from 203.0.113.7 & <https://evil.example|click>' });
    notifier.notify(alert, 'created');
    await until(() => records.some((record) => record.outcome === 'delivered'), 'delivery');

    const [payload] = slack.payloads;
    expect(payload!.text).toContain('New alert: [HIGH] SSH brute force: Login as &lt;!channel&gt; from 203.0.113.7 &amp; &lt;https://evil.example|click&gt;');
    const [header, message, facts, actions, context] = payload!.blocks;
    expect(header).toEqual({ type: 'header', text: { type: 'plain_text', text: 'New alert: [HIGH] SSH brute force' } });
    expect(message!.text!.text).toBe('Login as &lt;!channel&gt; from 203.0.113.7 &amp; &lt;https://evil.example|click&gt;');
    expect(facts!.fields!.map((field) => field.text)).toEqual([
      '*Severity*\nhigh (risk score 73)',
      '*Rule*\nSSH brute force (1c71af4b-6f5e-468b-982c-be67e027ff69)',
      '*Group*\nsource.ip=203.0.113.7',
      '*Events*\n42',
      '*First seen*\n2025-03-14T11:58:01.000Z',
      '*Last seen*\n2025-03-14T12:00:11.000Z',
      '*ATT&amp;CK*\nMITRE ATT&amp;CK: TA0006 Credential Access; T1110; T1110.001',
    ]);
    expect(actions).toEqual({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in Vigil' }, url: `https://vigil.example.com/#/alerts/${alert.id}` }],
    });
    expect(context!.elements).toEqual([{ type: 'mrkdwn', text: `Alert ${alert.id} · open` }]);
  });

  it("leaves out the button without a dashboard URL and retries Slack's 429", async () => {
    const slack = await startSlack({ status: 429, headers: { 'retry-after': '0' } });
    const { notifier, records } = await startNotifier({ channels: [{ kind: 'slack', name: 'soc-slack', url: slack.url, minSeverity: 'critical', on: ['escalated'], retry: FAST_RETRY }] });
    notifier.notify(testAlert({ severity: 'critical' }), 'escalated');
    await until(() => records.some((record) => record.outcome === 'delivered'), 'delivery');

    expect(records.map((record) => [record.outcome, record.attempt])).toEqual([
      ['retrying', 1],
      ['delivered', 2],
    ]);
    const [payload] = slack.payloads;
    expect(payload!.blocks.map((block) => block.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(payload!.blocks[0]!.text!.text).toBe('Alert escalated: [CRITICAL] SSH brute force');
  });
});
