import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority, generateRsaKeyPair, issueTlsCertificate } from '@vigil/provenance';
import { Notifier } from './notifier.ts';
import { bodyOf, decodeWords, headerOf, startSmtpServer } from './smtp-test-server.ts';
import { FAST_RETRY, LOOPBACK, cleanups, runCleanups, startNotifier, testAlert, until } from './test-harness.ts';

afterEach(runCleanups);

const AUTH = { username: 'vigil@example.com', password: 'pw-4c1d-8e2f' };
const RULE = 'Anmeldeversuche für „root“ – Brute-Force 🔐';

function email(port: number, extra: Record<string, unknown> = {}) {
  return {
    kind: 'email' as const,
    name: 'soc-mail',
    host: LOOPBACK,
    port,
    startTls: 'never' as const,
    ...AUTH,
    from: 'vigil@example.com',
    to: ['soc@example.com', 'oncall@example.com'],
    retry: FAST_RETRY,
    timeoutMs: 2_000,
    ...extra,
  };
}

/** A CA (written to a PEM file, as an operator configures it) and a server certificate for 127.0.0.1 it signed. */
function testPki() {
  const ca = createCertificateAuthority({ commonName: 'Example Mail CA' });
  const keys = generateRsaKeyPair();
  const certPem = issueTlsCertificate(ca, { commonName: 'mail.example.test', publicKeyPem: keys.publicKeyPem, serverAuth: true, altNames: ['mail.example.test', LOOPBACK] });
  const dir = mkdtempSync(join(tmpdir(), 'vigil-notify-'));
  const caFile = join(dir, 'mail-ca.pem');
  writeFileSync(caFile, ca.certificatePem);
  return { caFile, server: { keyPem: keys.privateKeyPem, certPem }, dir };
}
const pki = testPki();
afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));

describe('email channel (SMTP)', () => {
  it('authenticates with AUTH PLAIN and sends a readable mail with an encoded subject, dot-stuffing lines that start with a dot', async () => {
    const smtp = await startSmtpServer({ auth: AUTH });
    const { notifier, records } = await startNotifier({ dashboardUrl: 'https://vigil.example.com/', channels: [email(smtp.port)] });
    const message = 'Failed logins for root from 203.0.113.7, then:\n.\n.ssh/authorized_keys changed\n..and nothing else';
    const alert = testAlert({ ruleName: RULE, message });
    notifier.notify(alert, 'created');
    await until(() => records.some((record) => record.outcome === 'delivered'), 'delivery');

    expect(smtp.sessions[0]!.map((command) => command.split(' ')[0])).toEqual(['EHLO', 'AUTH', 'MAIL', 'RCPT', 'RCPT', 'DATA', 'QUIT']);
    const [mail] = smtp.mails;
    expect(mail).toMatchObject({ from: 'vigil@example.com', to: ['soc@example.com', 'oncall@example.com'], user: AUTH.username, tls: false });
    expect(mail!.wire).toContain('\r\n..\r\n..ssh/authorized_keys changed\r\n...and nothing else\r\n');
    expect(mail!.wire.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(mail!.wire.split('\r\n').every((line) => line.length <= 78)).toBe(true);

    const raw = mail!.message;
    expect(decodeWords(headerOf(raw, 'Subject')!)).toBe(`[Vigil] HIGH: ${RULE} (source.ip=203.0.113.7)`);
    expect(headerOf(raw, 'Subject')).toMatch(/^[\x20-\x7e]+$/);
    expect(headerOf(raw, 'From')).toBe('vigil@example.com');
    expect(headerOf(raw, 'To')).toBe('soc@example.com, oncall@example.com');
    expect(Math.abs(Date.parse(headerOf(raw, 'Date')!) - Date.now())).toBeLessThan(60_000);
    expect(headerOf(raw, 'Message-ID')).toBe(`<${records[0]!.deliveryId}@example.com>`);
    expect(headerOf(raw, 'MIME-Version')).toBe('1.0');
    expect(headerOf(raw, 'Content-Type')).toBe('text/plain; charset=utf-8');
    expect(headerOf(raw, 'Content-Transfer-Encoding')).toBe('quoted-printable');
    expect(headerOf(raw, 'X-Vigil-Alert-Id')).toBe(alert.id);

    const body = bodyOf(raw);
    expect(body).toContain(`New alert: [HIGH] ${RULE}\r\n\r\n${message.replace(/\n/g, '\r\n')}\r\n`);
    expect(body).toContain('Severity:   high (risk score 73)\r\n');
    expect(body).toContain('Group:      source.ip=203.0.113.7\r\n');
    expect(body).toContain('Events:     42\r\n');
    expect(body).toContain('ATT&CK:     MITRE ATT&CK: TA0006 Credential Access; T1110; T1110.001\r\n');
    expect(body).toContain(`Open in Vigil: https://vigil.example.com/#/alerts/${alert.id}\r\n`);
    expect(records[0]).toMatchObject({ outcome: 'delivered', attempt: 1, detail: '250 2.0.0 Ok: queued as Q1' });
  });

  it('retries after a 451 at the end of DATA and the retry is delivered', async () => {
    const smtp = await startSmtpServer({ auth: AUTH, dataReplies: ['451 4.3.0 Temporary lookup failure'] });
    const { notifier, records } = await startNotifier({ channels: [email(smtp.port)] });
    notifier.notify(testAlert(), 'created');
    await until(() => records.some((record) => record.outcome === 'delivered'), 'delivery');

    expect(records.map((record) => [record.outcome, record.attempt, record.error?.code])).toEqual([
      ['retrying', 1, 'VIGIL_ERR_NOTIFY_SMTP_TEMPORARY'],
      ['delivered', 2, undefined],
    ]);
    expect(records[0]!.error!.message).toBe('SMTP server deferred the message: 451 4.3.0 Temporary lookup failure');
    expect(smtp.sessions).toHaveLength(2);
    expect(smtp.mails).toHaveLength(1);
    expect(notifier.stats()).toMatchObject({ delivered: 1, retries: 1 });
  });

  it('upgrades with STARTTLS, trusting the configured CA file, then authenticates with AUTH LOGIN', async () => {
    const smtp = await startSmtpServer({ auth: { ...AUTH, mechanisms: ['LOGIN'] }, tls: pki.server });
    const { notifier, records } = await startNotifier({ channels: [email(smtp.port, { startTls: 'required', ca: pki.caFile })] });
    notifier.notify(testAlert(), 'created');
    await until(() => records.some((record) => record.outcome !== 'retrying'), 'delivery');

    expect(records.at(-1)).toMatchObject({ outcome: 'delivered', attempt: 1 });
    expect(smtp.sessions[0]!.map((command) => command.split(' ').slice(0, 2).join(' '))).toEqual([
      'EHLO ' + smtp.sessions[0]![0]!.split(' ')[1],
      'STARTTLS',
      'EHLO ' + smtp.sessions[0]![0]!.split(' ')[1],
      'AUTH LOGIN',
      'MAIL FROM:<vigil@example.com>',
      'RCPT TO:<soc@example.com>',
      'RCPT TO:<oncall@example.com>',
      'DATA',
      'QUIT',
    ]);
    expect(smtp.mails[0]).toMatchObject({ tls: true, user: AUTH.username });
  });

  it('fails for good, without retrying, when TLS or credentials would be unsafe or are refused', async () => {
    const untrusted = await startSmtpServer({ auth: AUTH, tls: pki.server });
    const plainOnly = await startSmtpServer({ auth: AUTH });
    const wrongPassword = await startSmtpServer({ auth: { ...AUTH, password: 'rotated' } });
    const { notifier, records } = await startNotifier({
      channels: [
        email(untrusted.port, { name: 'untrusted', startTls: 'required' }),
        email(plainOnly.port, { name: 'no-starttls', startTls: 'required' }),
        email(plainOnly.port, { name: 'clear-text-password', startTls: 'opportunistic' }),
        email(wrongPassword.port, { name: 'wrong-password' }),
      ],
    });
    notifier.notify(testAlert(), 'created');
    await until(() => records.filter((record) => record.outcome === 'failed').length === 4, 'four failures');

    const failed = Object.fromEntries(records.map((record) => [record.channel, [record.outcome, record.attempt, record.error?.code]]));
    expect(failed).toEqual({
      untrusted: ['failed', 1, 'VIGIL_ERR_NOTIFY_TLS'],
      'no-starttls': ['failed', 1, 'VIGIL_ERR_NOTIFY_SMTP_NO_TLS'],
      'clear-text-password': ['failed', 1, 'VIGIL_ERR_NOTIFY_SMTP_NO_AUTH'],
      'wrong-password': ['failed', 1, 'VIGIL_ERR_NOTIFY_SMTP_REJECTED'],
    });
    // The password never went over the clear-text connection.
    expect(plainOnly.sessions.flat().filter((command) => command.startsWith('AUTH'))).toEqual([]);
    expect(untrusted.mails.length + plainOnly.mails.length + wrongPassword.mails.length).toBe(0);
  });

  it('refuses replies that arrive between the STARTTLS go-ahead and the handshake (injected in clear text)', async () => {
    const injector = createServer((socket) => {
      socket.on('error', () => {});
      socket.write('220 mail.example.test ESMTP\r\n');
      socket.on('data', (chunk: Buffer) => {
        const line = chunk.toString('utf8');
        if (line.startsWith('EHLO')) socket.write('250-mail.example.test\r\n250 STARTTLS\r\n');
        if (line.startsWith('STARTTLS')) socket.write('220 2.0.0 Ready\r\n250 2.7.0 injected: Authentication successful\r\n');
      });
    });
    await new Promise<void>((resolve) => injector.listen(0, LOOPBACK, resolve));
    cleanups.push(() => new Promise<void>((resolve) => injector.close(() => resolve())));
    const { notifier, records } = await startNotifier({
      channels: [email((injector.address() as AddressInfo).port, { startTls: 'required', retry: { ...FAST_RETRY, maxAttempts: 1 } })],
    });
    notifier.notify(testAlert(), 'created');
    await until(() => records.length === 1, 'the attempt');

    expect(records[0]).toMatchObject({ outcome: 'failed', error: { code: 'VIGIL_ERR_NOTIFY_SMTP_PROTOCOL', message: 'SMTP server broke the protocol during STARTTLS: data arrived before the TLS handshake' } });
  });

  it('falls back to HELO, sends to the recipients the server takes and reports the refused ones', async () => {
    const smtp = await startSmtpServer({ noEhlo: true, refuse: ['oncall@example.com'] });
    const { notifier, records } = await startNotifier({
      channels: [{ ...email(smtp.port, { startTls: 'opportunistic' }), username: undefined, password: undefined }],
    });
    notifier.notify(testAlert(), 'created');
    await until(() => records.some((record) => record.outcome === 'delivered'), 'delivery');

    expect(smtp.sessions[0]!.map((command) => command.split(' ')[0])).toEqual(['EHLO', 'HELO', 'MAIL', 'RCPT', 'RCPT', 'DATA', 'QUIT']);
    expect(smtp.mails[0]!.to).toEqual(['soc@example.com']);
    expect(records[0]!.detail).toBe('250 2.0.0 Ok: queued as Q1; refused recipients: oncall@example.com (550 5.1.1 Recipient address rejected: User unknown)');
  });

  it('retries a server that is down or never greets, with a timeout on each step', async () => {
    const silent = createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, LOOPBACK, resolve));
    cleanups.push(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, LOOPBACK, resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { notifier, records } = await startNotifier({
      channels: [
        email((silent.address() as AddressInfo).port, { name: 'silent', timeoutMs: 50, retry: { ...FAST_RETRY, maxAttempts: 2 } }),
        email(deadPort, { name: 'down', retry: { ...FAST_RETRY, maxAttempts: 2 } }),
      ],
    });
    notifier.notify(testAlert(), 'created');
    await until(() => records.filter((record) => record.outcome === 'failed').length === 2, 'two failures');

    const failed = records.filter((record) => record.outcome === 'failed');
    expect(Object.fromEntries(failed.map((record) => [record.channel, [record.attempt, record.error?.code]]))).toEqual({
      silent: [2, 'VIGIL_ERR_NOTIFY_TIMEOUT'],
      down: [2, 'VIGIL_ERR_NOTIFY_NETWORK'],
    });
    expect(failed.find((record) => record.channel === 'silent')!.error!.message).toContain('(greeting)');
  });

  it('stops start-up with the file name when the CA file is unreadable', () => {
    expect(() => new Notifier({ channels: [email(25, { startTls: 'required', ca: '/nonexistent/mail-ca.pem' })] })).toThrow(
      /notification channel soc-mail: CA file \/nonexistent\/mail-ca\.pem is unreadable/,
    );
  });
});
