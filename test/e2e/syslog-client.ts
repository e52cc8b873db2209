import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect } from 'node:net';

/** Sends syslog lines over TCP with RFC 6587 octet counting (`<len> <msg>`) on one connection. */
export async function sendTcpOctetCounted(port: number, lines: string[]): Promise<void> {
  await sendTcpRaw(port, Buffer.concat(lines.map((line) => Buffer.from(`${Buffer.byteLength(line)} ${line}`))));
}

/** Writes raw bytes on one TCP connection and closes it once everything is flushed. */
export async function sendTcpRaw(port: number, bytes: Buffer): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  await new Promise<void>((resolve, reject) => socket.end(bytes, () => resolve()).once('error', reject));
  await once(socket, 'close');
}

/** Sends one datagram per line, paced so the loopback receive buffer never overflows. */
export async function sendUdp(port: number, lines: string[]): Promise<void> {
  const socket = createSocket('udp4');
  try {
    for (let i = 0; i < lines.length; i++) {
      await new Promise<void>((resolve, reject) => socket.send(lines[i]!, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
      if (i % 25 === 24) await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    socket.close();
  }
}
