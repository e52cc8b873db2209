import { connect, createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseConfig } from '@vigil/runtime';
import { edgeConfigSchema } from './config.ts';
import { createEdge } from './edge.ts';
import { testDeps } from './test-support.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const loopback = { host: '127.0.0.1', port: 0 };

describe('edge configuration', () => {
  it('has the documented defaults', () => {
    const config = parseConfig(edgeConfigSchema, {});
    expect(config.syslog.udp).toEqual({ enabled: true, host: '0.0.0.0', port: 5514, receiveBufferBytes: 4 * 1024 * 1024, kernelDropsIntervalMs: 5_000, maxMessageBytes: 65_535 });
    expect(config.syslog.tcp).toMatchObject({ port: 5514, maxMessageBytes: 65_536 });
    expect(config.http).toMatchObject({ port: 8088, maxBodyBytes: 5 * 1024 * 1024 });
    expect(config.batch).toMatchObject({ maxBatchEvents: 2_000, flushIntervalMs: 200 });
    expect(Object.isFrozen(config.batch)).toBe(true);
  });

  it('fails fast naming an unknown or bad key', () => {
    expect(() => parseConfig(edgeConfigSchema, { syslog: { tcp: { maxMessageBytez: 1 } } })).toThrow(/syslog\.tcp/);
    expect(() => parseConfig(edgeConfigSchema, { http: { port: 70_000 } })).toThrow(/http\.port/);
  });

  it('describes every field', () => {
    const undocumented: string[] = [];
    const walk = (schema: z.ZodType, path: string): void => {
      let inner: z.ZodType = schema;
      while (inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault) inner = inner.def.innerType as z.ZodType;
      if (!schema.description && !inner.description) undocumented.push(path);
      if (inner instanceof z.ZodObject) for (const [key, child] of Object.entries(inner.shape)) walk(child as z.ZodType, path ? `${path}.${key}` : key);
    };
    walk(edgeConfigSchema, '');
    expect(undocumented).toEqual([]);
  });
});

describe('edge lifecycle', () => {
  it('publishes what was received just before stop()', async () => {
    const { deps, producer, cleanup } = testDeps();
    cleanups.push(cleanup);
    const edge = createEdge({ syslog: { udp: { enabled: false }, tcp: loopback }, http: { enabled: false }, batch: { flushIntervalMs: 60_000 } }, deps);
    await edge.start();
    const socket = connect({ host: '127.0.0.1', port: edge.addresses().syslogTcp!.port });
    await new Promise<void>((resolve) => socket.end('<13>1 - host app - - - last words\n', () => resolve()));
    await expect.poll(() => edge.inFlight).toBe(1);
    await edge.stop();
    expect(edge.running).toBe(false);
    expect(producer.events().map((e) => e.message)).toEqual(['last words']);
  });

  it('closes idle connections, keeping an unterminated last line', async () => {
    const { deps, producer, cleanup } = testDeps();
    cleanups.push(cleanup);
    const edge = createEdge({ syslog: { udp: { enabled: false }, tcp: { ...loopback, idleTimeoutMs: 100 } }, http: { enabled: false }, batch: { flushIntervalMs: 20 } }, deps);
    await edge.start();
    cleanups.push(() => edge.stop());
    const socket = connect({ host: '127.0.0.1', port: edge.addresses().syslogTcp!.port });
    socket.write('<13>1 - host app - - - no newline at the end');
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect((await producer.waitForEvents(1)).map((e) => e.message)).toEqual(['no newline at the end']);
  });

  it('fails to start when a port is taken, leaving nothing listening', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const taken = (blocker.address() as { port: number }).port;
    const { deps, cleanup } = testDeps();
    cleanups.push(cleanup);
    const edge = createEdge({ syslog: { udp: { ...loopback }, tcp: { host: '127.0.0.1', port: taken } }, http: { enabled: false } }, deps);
    await expect(edge.start()).rejects.toThrow(/EADDRINUSE/);
    expect(edge.running).toBe(false);
    expect(edge.addresses()).toEqual({});
  });
});
