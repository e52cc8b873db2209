import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { VigilError, describeError } from '@vigil/runtime';
import { notifyErrors } from './errors.ts';
import { isCertificateError } from './http-post.ts';
import { SmtpReplyReader, type SmtpReply } from './smtp-reply-reader.ts';

/** How to reach and talk to an SMTP server. */
export interface SmtpOptions {
  readonly host: string;
  readonly port: number;
  /** Implicit TLS from the first byte (port 465). */
  readonly secure: boolean;
  /** STARTTLS policy when not `secure`. */
  readonly startTls: 'required' | 'opportunistic' | 'never';
  readonly username?: string;
  readonly password?: string;
  readonly rejectUnauthorized: boolean;
  /** Trusted CA certificates (PEM); replaces Node's default list, so callers add it themselves. */
  readonly ca?: readonly string[];
  /** Time limit of each step: connecting, and every command's reply. */
  readonly timeoutMs: number;
  /** Name sent in EHLO/HELO; defaults to this host's name. */
  readonly clientName?: string;
}

/** Sender and recipients of one message. */
export interface SmtpEnvelope {
  readonly from: string;
  readonly to: readonly string[];
}

/** What the server did with a message it accepted. */
export interface SmtpResult {
  readonly accepted: readonly string[];
  /** Recipients the server refused for good (the message went to the others). */
  readonly rejected: ReadonlyArray<{ readonly address: string; readonly reply: string }>;
  /** The server's reply to the end of DATA, often with its queue id. */
  readonly reply: string;
}

/**
 * Sends one message over SMTP (RFC 5321) with a minimal client of our own: greeting, EHLO
 * (HELO when EHLO is refused), STARTTLS (RFC 3207) as `startTls` says, AUTH PLAIN or LOGIN
 * when credentials are set, MAIL FROM, RCPT TO per recipient, DATA with dot-stuffing, QUIT.
 * Failures throw `notifyErrors`: 4xx replies, network errors and timeouts are retryable; 5xx
 * replies, TLS verification failures and a missing STARTTLS or AUTH are permanent. A 4xx
 * for any recipient defers the whole message (nothing was sent yet); 5xx recipients are
 * skipped and reported while the others still get it. Credentials never go over a
 * clear-text connection unless `startTls` is `never`.
 */
export async function sendMail(options: SmtpOptions, envelope: SmtpEnvelope, message: string, signal: AbortSignal): Promise<SmtpResult> {
  const session = new SmtpSession(options, signal);
  try {
    return await session.send(envelope, message);
  } finally {
    session.close();
  }
}

/** CRLF line endings, a final CRLF, and a `.` doubled at the start of every line (RFC 5321 §4.5.2). */
export function dotStuff(message: string): string {
  let text = message.replace(/\r\n|\r|\n/g, '\r\n');
  if (!text.endsWith('\r\n')) text += '\r\n';
  return text.replace(/^\./gm, '..');
}

class SmtpSession {
  readonly #options: SmtpOptions;
  readonly #signal: AbortSignal;
  readonly #target: string;
  readonly #reader = new SmtpReplyReader();
  readonly #onAbort = () => this.#abort(notifyErrors.create('VIGIL_ERR_NOTIFY_NETWORK', { target: this.#target, reason: 'aborted: the notifier is stopping' }));
  #socket: Socket | TLSSocket;
  #encrypted: boolean;

  constructor(options: SmtpOptions, signal: AbortSignal) {
    this.#options = options;
    this.#signal = signal;
    this.#target = `${options.host}:${options.port}`;
    this.#encrypted = options.secure;
    this.#socket = options.secure ? connectTls({ port: options.port, ...this.#tlsOptions() }) : connectTcp({ host: options.host, port: options.port });
    this.#listen(this.#socket);
    if (signal.aborted) this.#onAbort();
    else signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  async send(envelope: SmtpEnvelope, message: string): Promise<SmtpResult> {
    this.#expect(await this.#reply('greeting'), 'greeting');
    let extensions = await this.#hello();
    if (!this.#options.secure && this.#options.startTls !== 'never') {
      if (extensions.has('STARTTLS')) {
        const reply = await this.#command('STARTTLS');
        if (reply.code === 220) {
          this.#upgrade();
          extensions = await this.#hello();
        } else if (this.#options.startTls === 'required') {
          this.#expect(reply, 'STARTTLS', 220);
        }
      } else if (this.#options.startTls === 'required') {
        throw notifyErrors.create('VIGIL_ERR_NOTIFY_SMTP_NO_TLS', { target: this.#target });
      }
    }
    if (this.#options.username !== undefined) await this.#authenticate(extensions.get('AUTH') ?? []);
    this.#expect(await this.#command(`MAIL FROM:<${envelope.from}>`, 'MAIL FROM'), 'MAIL FROM');
    const accepted: string[] = [];
    const rejected: Array<{ address: string; reply: string }> = [];
    for (const address of envelope.to) {
      const reply = await this.#command(`RCPT TO:<${address}>`, 'RCPT TO');
      if (reply.code >= 500) rejected.push({ address, reply: replyText(reply) });
      else this.#expect(reply, `RCPT TO:<${address}>`);
      if (reply.code < 300) accepted.push(address);
    }
    if (accepted.length === 0) throw notifyErrors.create('VIGIL_ERR_NOTIFY_SMTP_REJECTED', { step: 'every recipient', reply: rejected[0]?.reply ?? '' });
    this.#expect(await this.#command('DATA'), 'DATA', 354);
    this.#socket.write(`${dotStuff(message)}.\r\n`);
    const final = await this.#reply('end of DATA');
    this.#expect(final, 'the message');
    await this.#quit();
    return { accepted, rejected, reply: replyText(final) };
  }

  close(): void {
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#socket.destroy();
  }

  /** EHLO, or HELO for a server that refuses it; the EHLO keywords and their parameters. */
  async #hello(): Promise<Map<string, string[]>> {
    const name = this.#options.clientName ?? clientName();
    const reply = await this.#command(`EHLO ${name}`, 'EHLO');
    if (reply.code >= 500) {
      this.#expect(await this.#command(`HELO ${name}`, 'HELO'), 'HELO');
      return new Map();
    }
    this.#expect(reply, 'EHLO');
    const extensions = new Map<string, string[]>();
    for (const line of reply.lines.slice(1)) {
      const [keyword, ...params] = line.trim().split(/\s+/);
      if (keyword) extensions.set(keyword.toUpperCase(), params.map((param) => param.toUpperCase()));
    }
    return extensions;
  }

  async #authenticate(mechanisms: readonly string[]): Promise<void> {
    const { username = '', password = '' } = this.#options;
    if (!this.#encrypted && this.#options.startTls !== 'never') {
      throw notifyErrors.create('VIGIL_ERR_NOTIFY_SMTP_NO_AUTH', { target: this.#target, reason: 'the connection is not encrypted, and the password goes in clear text only with `startTls: never`' });
    }
    if (mechanisms.includes('PLAIN')) {
      const token = Buffer.from(`\0${username}\0${password}`, 'utf8').toString('base64');
      this.#expect(await this.#command(`AUTH PLAIN ${token}`, 'AUTH PLAIN'), 'AUTH PLAIN', 235);
    } else if (mechanisms.includes('LOGIN')) {
      this.#expect(await this.#command('AUTH LOGIN'), 'AUTH LOGIN', 334);
      this.#expect(await this.#command(Buffer.from(username, 'utf8').toString('base64'), 'AUTH LOGIN user'), 'AUTH LOGIN user', 334);
      this.#expect(await this.#command(Buffer.from(password, 'utf8').toString('base64'), 'AUTH LOGIN password'), 'AUTH LOGIN password', 235);
    } else {
      const offered = mechanisms.length > 0 ? `it offers AUTH ${mechanisms.join(' ')}` : 'it offers no AUTH';
      throw notifyErrors.create('VIGIL_ERR_NOTIFY_SMTP_NO_AUTH', { target: this.#target, reason: `${offered}; Vigil speaks PLAIN and LOGIN` });
    }
  }

  #upgrade(): void {
    // Anything the server sent after its 220 came before the handshake: an attacker on the
    // path may have injected it (CVE-2011-0411 class), so it must not be read as a reply.
    if (this.#reader.hasUnread) throw notifyErrors.create('VIGIL_ERR_NOTIFY_SMTP_PROTOCOL', { step: 'STARTTLS', reason: 'data arrived before the TLS handshake' });
    const plain = this.#socket;
    plain.removeAllListeners('data');
    this.#socket = connectTls({ socket: plain, ...this.#tlsOptions() });
    this.#encrypted = true;
    this.#listen(this.#socket);
  }

  async #quit(): Promise<void> {
    try {
      await this.#command('QUIT');
    } catch {
      // The message is already accepted; a server that hangs up without a 221 changes nothing.
    }
  }

  /** Sends one command line and reads its reply; `step` names it in errors (never the credentials). */
  async #command(line: string, step = line): Promise<SmtpReply> {
    this.#socket.write(`${line}\r\n`);
    return this.#reply(step);
  }

  async #reply(step: string): Promise<SmtpReply> {
    const timer = setTimeout(() => {
      this.#abort(notifyErrors.create('VIGIL_ERR_NOTIFY_TIMEOUT', { target: this.#target, timeoutMs: this.#options.timeoutMs, step }));
    }, this.#options.timeoutMs);
    try {
      return await this.#reader.next();
    } catch (error) {
      if (error instanceof VigilError) throw error;
      throw notifyErrors.create('VIGIL_ERR_NOTIFY_SMTP_PROTOCOL', { step, reason: describeError(error) });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Passes a reply of the expected code (any 2xx by default); anything else throws by its class. */
  #expect(reply: SmtpReply, step: string, code?: number): void {
    if (code === undefined ? reply.code >= 200 && reply.code < 300 : reply.code === code) return;
    const text = replyText(reply);
    if (reply.code >= 400 && reply.code < 500) throw notifyErrors.create('VIGIL_ERR_NOTIFY_SMTP_TEMPORARY', { step, reply: text });
    if (reply.code >= 500) throw notifyErrors.create('VIGIL_ERR_NOTIFY_SMTP_REJECTED', { step, reply: text });
    throw notifyErrors.create('VIGIL_ERR_NOTIFY_SMTP_PROTOCOL', { step, reason: `unexpected reply ${text}` });
  }

  #listen(socket: Socket | TLSSocket): void {
    const decoder = new StringDecoder('utf8');
    socket.on('data', (chunk: Buffer) => this.#reader.push(decoder.write(chunk)));
    socket.on('error', (error) => this.#reader.fail(this.#socketError(error)));
    socket.on('close', () => this.#reader.fail(notifyErrors.create('VIGIL_ERR_NOTIFY_NETWORK', { target: this.#target, reason: 'the server closed the connection' })));
  }

  #socketError(error: Error): VigilError {
    const reason = `${(error as { code?: string }).code ?? 'error'}: ${error.message}`;
    if (isCertificateError(error)) return notifyErrors.create('VIGIL_ERR_NOTIFY_TLS', { target: this.#target, reason }, { cause: error });
    return notifyErrors.create('VIGIL_ERR_NOTIFY_NETWORK', { target: this.#target, reason }, { cause: error });
  }

  #abort(error: VigilError): void {
    this.#reader.fail(error);
    this.#socket.destroy();
  }

  #tlsOptions() {
    const { host, rejectUnauthorized, ca } = this.#options;
    return {
      // SNI takes host names only; an IP address is still checked against the certificate.
      ...(isIP(host) === 0 ? { servername: host } : {}),
      host,
      rejectUnauthorized,
      minVersion: 'TLSv1.2' as const,
      ...(ca !== undefined ? { ca: [...ca] } : {}),
    };
  }
}

function replyText(reply: SmtpReply): string {
  return `${reply.code} ${reply.lines.join(' ').trim()}`.slice(0, 300);
}

/** This host's name if it is a usable EHLO domain, else an address literal. */
function clientName(): string {
  const name = hostname();
  return /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(name) ? name : '[127.0.0.1]';
}
