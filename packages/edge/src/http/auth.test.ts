import { describe, expect, it } from 'vitest';
import { identityOf, keyId, readIngestKey } from './auth.ts';

const KEY = 'vgl_0123456789abcdef_Zm9vYmFyLWJhei1xdXV4LXNlY3JldC1zZWNyZXQtc2VjcmV0';
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('reading the ingest key from Authorization', () => {
  it('takes the key from every form shippers send', () => {
    expect(readIngestKey(`Bearer ${KEY}`)).toEqual({ ok: true, key: KEY });
    expect(readIngestKey(`ApiKey ${KEY}`)).toEqual({ ok: true, key: KEY });
    // Filebeat and Logstash `api_key: "<id>:<key>"` are sent as ApiKey base64(id:key).
    expect(readIngestKey(`ApiKey ${b64(`filebeat:${KEY}`)}`)).toEqual({ ok: true, key: KEY });
    // Basic: any user name, the key as password (Fluent Bit HTTP_User/HTTP_Passwd, Vector auth.strategy basic).
    expect(readIngestKey(`Basic ${b64(`fluent-bit:${KEY}`)}`)).toEqual({ ok: true, key: KEY });
    expect(readIngestKey(`basic ${b64(`:${KEY}`)}`)).toEqual({ ok: true, key: KEY });
  });

  it('says why when there is no usable key', () => {
    expect(readIngestKey(undefined)).toEqual({ ok: false, reason: 'no Authorization header' });
    expect(readIngestKey('Digest abc')).toMatchObject({ ok: false });
    expect(readIngestKey(`Basic ${b64('elastic:')}`)).toEqual({ ok: false, reason: expect.stringContaining('no password') });
    expect(readIngestKey('Basic not-base64!')).toMatchObject({ ok: false });
  });

  it('names a key by the id inside it, or by a hash that does not reveal it', () => {
    expect(keyId(KEY)).toBe('0123456789abcdef');
    const hashed = keyId('some-other-secret');
    expect(hashed).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(hashed).not.toContain('secret');
    expect(identityOf(KEY, true)).toEqual({ id: '0123456789abcdef', name: '0123456789abcdef' });
    expect(identityOf(KEY, { id: 'k1', name: 'filebeat-dmz' })).toEqual({ id: 'k1', name: 'filebeat-dmz' });
    expect(identityOf(KEY, false)).toBeNull();
    expect(identityOf(KEY, null)).toBeNull();
  });
});
