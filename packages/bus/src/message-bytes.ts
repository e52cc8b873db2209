import { busErrors } from './errors.ts';

/** A message key or value as bytes; strings are UTF-8. Shared by both bus implementations. */
export function toBytes(input: Buffer | string | null, topic: string, what: string): Buffer | null {
  if (input === null) return null;
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  if (Buffer.isBuffer(input)) return input;
  // Plain Uint8Arrays get here from untyped callers; they are bytes all the same.
  if ((input as unknown) instanceof Uint8Array) {
    const bytes = input as Uint8Array;
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  throw busErrors.create('VIGIL_ERR_BUS_BAD_MESSAGE', { topic, reason: `${what} must be a Buffer or a string` });
}
