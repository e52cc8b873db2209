import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '@vigil/runtime';

/** The shortest key accepted: HMAC-SHA256's block of security, 32 bytes. */
export const MIN_PSEUDONYM_KEY_BYTES = 32;

/**
 * Reads the pseudonymisation key from `path`, creating it when missing: 32 random bytes,
 * base64url-encoded (text, so it can be kept in a secret store), mode 0600, in a directory
 * created 0700. The key is the file's bytes; a trailing newline of a text file is ignored.
 * Called once at start-up: throws with what to change when the file is unusable, and warns
 * when others can read it (a Kubernetes secret is mounted 0644 by default, so it is not refused).
 */
export function loadOrCreateKeyFile(path: string, logger?: Logger): Buffer {
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`pseudonymisation key file ${path} cannot be read: ${(error as Error).message}`, { cause: error });
    content = createKeyFile(path, logger);
  }
  const key = withoutTrailingNewline(content);
  if (key.length < MIN_PSEUDONYM_KEY_BYTES) {
    throw new Error(`pseudonymisation key file ${path} holds ${key.length} bytes; it needs at least ${MIN_PSEUDONYM_KEY_BYTES} random bytes (remove it to have one created)`);
  }
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    logger?.warn({ path, mode: mode.toString(8) }, 'pseudonymisation key file is readable by other users; chmod 600 it');
  }
  return key;
}

function createKeyFile(path: string, logger: Logger | undefined): Buffer {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const content = Buffer.from(`${randomBytes(MIN_PSEUDONYM_KEY_BYTES).toString('base64url')}\n`);
  try {
    writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs, so both pseudonymise alike.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path);
    throw new Error(`pseudonymisation key file ${path} cannot be created: ${(error as Error).message}`, { cause: error });
  }
  logger?.info({ path }, 'pseudonymisation key created; keep it: a new key gives every value a new pseudonym');
  return content;
}

/** Drops one trailing `\n` or `\r\n`, but only from printable text, so a binary key keeps every byte. */
function withoutTrailingNewline(content: Buffer): Buffer {
  let end = content.length;
  if (content[end - 1] === 0x0a) end--;
  if (end < content.length && content[end - 1] === 0x0d) end--;
  if (end === content.length) return content;
  for (let i = 0; i < end; i++) {
    const byte = content[i]!;
    if (byte < 0x20 || byte > 0x7e) return content;
  }
  return content.subarray(0, end);
}
