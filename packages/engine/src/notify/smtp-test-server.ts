import { createServer, type AddressInfo, type Socket } from 'node:net';
import { TLSSocket, createSecureContext } from 'node:tls';
import { cleanups, close, listen } from './test-harness.ts';

/**
 * A small SMTP server for tests (not exported from the package), on loopback port 0: it
 * speaks EHLO/HELO, STARTTLS, AUTH PLAIN and LOGIN, MAIL, RCPT, DATA and QUIT, records every
 * session's commands and every accepted message, and can defer or refuse on request.
 */

/** A message the SMTP server accepted. */
export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  /** DATA as it came over the wire (dot-stuffed, up to the terminating `.`). */
  readonly wire: string;
  /** The message after undoing dot-stuffing. */
  readonly message: string;
  readonly user: string | undefined;
  readonly tls: boolean;
}

/** What the test SMTP server offers and how it misbehaves. */
export interface SmtpServerOptions {
  /** Credentials it accepts; AUTH is offered only when set (PLAIN and LOGIN unless `mechanisms`). */
  readonly auth?: { username: string; password: string; mechanisms?: string[] };
  /** Offers STARTTLS with this certificate. */
  readonly tls?: { keyPem: string; certPem: string };
  /** Refuses EHLO with 502, as a HELO-only server does. */
  readonly noEhlo?: boolean;
  /** Replies to the end of DATA, used in order before the normal `250`, e.g. a `451` once. */
  readonly dataReplies?: string[];
  /** Recipients refused with 550. */
  readonly refuse?: readonly string[];
}

/** A small SMTP server speaking just what Vigil's client needs; every session's commands are kept. */
export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<{ port: number; mails: ReceivedMail[]; sessions: string[][] }> {
  const mails: ReceivedMail[] = [];
  const sessions: string[][] = [];
  const dataReplies = [...(options.dataReplies ?? [])];
  const sockets = new Set<Socket>();
  const server = createServer((raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => {});
    const commands: string[] = [];
    sessions.push(commands);
    let socket: Socket = raw;
    let buffer = '';
    let mode: 'command' | 'data' | 'login-user' | 'login-password' = 'command';
    let tls = false;
    let user: string | undefined;
    let loginUser = '';
    let envelope: { from: string; to: string[] } = { from: '', to: [] };
    const say = (...lines: string[]) => socket.write(lines.map((line) => `${line}\r\n`).join(''));
    const authOk = (name: string, password: string) => name === options.auth?.username && password === options.auth.password;
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (mode === 'data') {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end === -1) return;
          const wire = buffer.slice(0, end + 2);
          buffer = buffer.slice(end + 5);
          mode = 'command';
          const reply = dataReplies.shift();
          if (reply) {
            say(reply);
          } else {
            mails.push({ ...envelope, wire, message: wire.replace(/^\.\./gm, '.'), user, tls });
            say(`250 2.0.0 Ok: queued as Q${mails.length}`);
          }
          continue;
        }
        const newline = buffer.indexOf('\r\n');
        if (newline === -1) return;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 2);
        if (mode === 'login-user') {
          loginUser = Buffer.from(line, 'base64').toString('utf8');
          mode = 'login-password';
          say('334 UGFzc3dvcmQ6');
          continue;
        }
        if (mode === 'login-password') {
          mode = 'command';
          const ok = authOk(loginUser, Buffer.from(line, 'base64').toString('utf8'));
          if (ok) user = loginUser;
          say(ok ? '235 2.7.0 Authentication successful' : '535 5.7.8 Authentication credentials invalid');
          continue;
        }
        commands.push(line);
        const verb = line.split(' ')[0]!.toUpperCase();
        if (verb === 'EHLO') {
          if (options.noEhlo) {
            say('502 5.5.2 Error: command not recognized');
            continue;
          }
          const extensions = ['PIPELINING', '8BITMIME'];
          if (options.tls && !tls) extensions.push('STARTTLS');
          if (options.auth) extensions.push(`AUTH ${(options.auth.mechanisms ?? ['PLAIN', 'LOGIN']).join(' ')}`);
          say('250-mail.example.test', ...extensions.slice(0, -1).map((extension) => `250-${extension}`), `250 ${extensions.at(-1)}`);
        } else if (verb === 'HELO') {
          say('250 mail.example.test');
        } else if (verb === 'STARTTLS' && options.tls && !tls) {
          // Take the socket off our reader before the client's ClientHello can arrive.
          raw.removeListener('data', onData);
          raw.pause();
          raw.write('220 2.0.0 Ready to start TLS\r\n', () => {
            socket = new TLSSocket(raw, { isServer: true, secureContext: createSecureContext({ key: options.tls!.keyPem, cert: options.tls!.certPem }) });
            socket.on('error', () => {});
            socket.on('data', onData);
            tls = true;
          });
          return;
        } else if (verb === 'AUTH') {
          const [, mechanism, initial] = line.split(' ');
          if (mechanism?.toUpperCase() === 'PLAIN' && initial) {
            const [, name = '', password = ''] = Buffer.from(initial, 'base64').toString('utf8').split('\0');
            if (authOk(name, password)) user = name;
            say(user ? '235 2.7.0 Authentication successful' : '535 5.7.8 Authentication credentials invalid');
          } else if (mechanism?.toUpperCase() === 'LOGIN') {
            mode = 'login-user';
            say('334 VXNlcm5hbWU6');
          } else {
            say('504 5.5.4 Unrecognized authentication type');
          }
        } else if (verb === 'MAIL') {
          if (options.auth && !user) {
            say('530 5.7.0 Authentication required');
            continue;
          }
          envelope = { from: /<(.*)>/.exec(line)?.[1] ?? '', to: [] };
          say('250 2.1.0 Ok');
        } else if (verb === 'RCPT') {
          const address = /<(.*)>/.exec(line)?.[1] ?? '';
          if (options.refuse?.includes(address)) {
            say('550 5.1.1 Recipient address rejected: User unknown');
          } else {
            envelope.to.push(address);
            say('250 2.1.5 Ok');
          }
        } else if (verb === 'DATA') {
          mode = 'data';
          say('354 End data with <CR><LF>.<CR><LF>');
        } else if (verb === 'QUIT') {
          say('221 2.0.0 Bye');
          socket.end();
          return;
        } else {
          say('500 5.5.2 Error: command not recognized');
        }
      }
    };
    raw.on('data', onData);
    say('220 mail.example.test ESMTP');
  });
  await listen(server);
  cleanups.push(() =>
    close(server, () => {
      for (const socket of sockets) socket.destroy();
    }),
  );
  return { port: (server.address() as AddressInfo).port, mails, sessions };
}

/** The value of header `name` in a raw message, unfolded. */
export function headerOf(message: string, name: string): string | undefined {
  const head = message.slice(0, message.indexOf('\r\n\r\n')).replace(/\r\n[ \t]/g, ' ');
  const line = head.split('\r\n').find((candidate) => candidate.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

/** Decodes RFC 2047 `=?UTF-8?B?…?=` words (whitespace between two words is dropped, as the RFC says). */
export function decodeWords(value: string): string {
  return value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?B\?([^?]*)\?=/gi, (_whole, base64: string) => Buffer.from(base64, 'base64').toString('utf8'));
}

/** The body of a raw message, quoted-printable decoded. */
export function bodyOf(message: string): string {
  const encoded = message.slice(message.indexOf('\r\n\r\n') + 4).replace(/=\r\n/g, '');
  const bytes: number[] = [];
  for (let index = 0; index < encoded.length; index++) {
    if (encoded[index] === '=') {
      bytes.push(parseInt(encoded.slice(index + 1, index + 3), 16));
      index += 2;
    } else {
      bytes.push(encoded.charCodeAt(index));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
