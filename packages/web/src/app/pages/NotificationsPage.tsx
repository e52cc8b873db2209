import { useState } from 'react';
import { api } from '../api.ts';
import { useAction, useLoaded } from '../hooks.ts';
import type { Answer } from '../types.ts';
import { ErrorLine } from '../components/ErrorLine.tsx';

/** The notification channels the engines deliver alerts to (configured in `engine.notify`), with a test send each. Admins only. */
export function NotificationsPage() {
  const listed = useLoaded('notification-channels', () => api<Answer<'listNotificationChannels'>>('/api/v1/notification-channels'));
  const action = useAction();
  const [result, setResult] = useState<{ name: string; text: string } | null>(null);
  const channels = listed.data?.channels ?? [];

  async function test(name: string) {
    setResult(null);
    const ok = await action.run(async () => {
      const answer = await api<Answer<'testNotificationChannel'>>(`/api/v1/notification-channels/${encodeURIComponent(name)}/test`, { method: 'POST' });
      setResult({ name, text: `Test notification delivered on ${name}${answer.detail ? ` (${answer.detail})` : ''}.` });
    });
    if (!ok) setResult(null);
  }

  return (
    <section className="panel" aria-labelledby="notifications-title">
      <div className="panel-head">
        <h2 id="notifications-title">Notification channels</h2>
      </div>
      <p className="muted">Configured in <code>engine.notify.channels</code> (see docs/configuration.md); secrets are not shown.</p>
      {result && (
        <p className="ok-text" role="status" data-testid="channel-test-result">
          {result.text}
        </p>
      )}
      <ErrorLine message={action.error || listed.error} testId="channels-error" />
      {listed.data && channels.length === 0 && <p className="muted">No channels are configured: alerts are not sent anywhere.</p>}
      {channels.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              <th>Channel</th>
              <th>Kind</th>
              <th>Delivers to</th>
              <th>On</th>
              <th>From severity</th>
              <th>Rules</th>
              <th>Per minute</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {channels.map((channel) => (
              <tr key={channel.name} data-testid="channel-row">
                <td>{channel.name}</td>
                <td>{channel.kind}</td>
                <td className="message">{channel.target}</td>
                <td>{channel.on.join(', ')}</td>
                <td>{channel.minSeverity}</td>
                <td>{channel.rules ? channel.rules.join(', ') : 'all'}</td>
                <td>{channel.maxPerMinute}</td>
                <td>
                  <button type="button" onClick={() => void test(channel.name)} data-testid="channel-test">
                    Send a test
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
