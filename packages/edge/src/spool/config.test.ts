import { parseConfig } from '@vigil/runtime';
import { describe, expect, it } from 'vitest';
import { spoolConfigSchema } from './config.ts';

describe('spoolConfigSchema', () => {
  it('defaults to a 1 GiB spool of 64 MiB segments, fsynced every 100 ms', () => {
    expect(parseConfig(spoolConfigSchema, {})).toEqual({
      enabled: true,
      maxBytes: 1024 ** 3,
      segmentBytes: 64 * 1024 ** 2,
      fsync: 'interval',
      fsyncIntervalMs: 100,
    });
  });

  it('describes every field, the fsync policy included', () => {
    for (const [key, field] of Object.entries(spoolConfigSchema.shape)) expect(field.description, key).toBeTruthy();
    expect(spoolConfigSchema.shape.fsync.description).toMatch(/always.*interval.*never/s);
  });

  it('says what to change for a bad policy, an unknown key or segments larger than the spool', () => {
    expect(() => parseConfig(spoolConfigSchema, { fsync: 'sometimes' }, 'spool')).toThrow(/fsync/);
    expect(() => parseConfig(spoolConfigSchema, { maxBytes: 1024 ** 2 * 2, segmentBytes: 1024 ** 2 * 4 })).toThrow(/lower spool.segmentBytes or raise spool.maxBytes/);
    expect(() => parseConfig(spoolConfigSchema, { fsyncMs: 5 })).toThrow(/fsyncMs/);
  });
});
