import { describe, expect, it } from 'vitest';
import { auditId, decoded, plain, readAuditRecord } from './audit-record.ts';

describe('reading audit records', () => {
  it('reads the three header forms the same way', () => {
    const body = 'pid=42 comm="cat"';
    const forms = [`type=SYSCALL msg=audit(1700000000.123:77): ${body}`, `audit: type=1300 audit(1700000000.123:77): ${body}`, `[  99.000001] audit: type=1300 audit(1700000000.123:77): ${body}`];
    for (const form of forms) {
      const record = readAuditRecord(form, false)!;
      expect(record.type).toBe('SYSCALL');
      expect(record.code).toBe('1300');
      expect(record.timestamp).toBe('2023-11-14T22:13:20.123Z');
      expect(record.serial).toBe(77);
      expect(record.fields.get('comm')).toBe('"cat"');
    }
  });

  it("reads journald's bare NAME form only when the program is audit's", () => {
    expect(readAuditRecord('USER_END pid=1 msg=\'op=x\'', true)?.type).toBe('USER_END');
    expect(readAuditRecord('USER_END pid=1 msg=\'op=x\'', false)).toBeNull();
    expect(readAuditRecord('hello world', true)).toBeNull();
  });

  it('names numeric types, including journald AUDITnnnn, and keeps unknown numbers', () => {
    expect(readAuditRecord('AUDIT1309 argc=1 a0="x"', true)?.type).toBe('EXECVE');
    expect(readAuditRecord('type=1399 audit(1.000:1): x=1', false)?.type).toBe('UNKNOWN[1399]');
  });

  it('parses the nested msg of user-space records, keeping each side apart', () => {
    const record = readAuditRecord("type=USER_AUTH msg=audit(1700000000.000:1): pid=5 uid=0 msg='op=PAM:authentication acct=\"bob\" res=failed'", false)!;
    expect(record.fields.get('uid')).toBe('0');
    expect(record.inner?.get('acct')).toBe('"bob"');
    expect(record.inner?.get('res')).toBe('failed');
    expect(record.inner?.has('uid')).toBe(false);
  });

  it('rejects headers that are not a time and serial', () => {
    for (const header of ['x.1:1', '1.:1', '1.1:', '1.1:x', '123456789012.1:1']) expect(readAuditRecord(`type=CWD msg=audit(${header}): cwd="/"`, false), header).toBeNull();
  });

  it('keeps an unterminated quoted value to the end of the line', () => {
    expect(readAuditRecord('type=CWD msg=audit(1.000:1): cwd="/tmp/x', false)?.fields.get('cwd')).toBe('"/tmp/x');
  });
});

describe('audit values', () => {
  it('decodes hex only when the value is unquoted', () => {
    expect(decoded('2D6C61')).toBe('-la');
    expect(decoded('"2D6C61"')).toBe('2D6C61');
    expect(decoded('"ls"')).toBe('ls');
    expect(decoded('ABC')).toBe('ABC');
    expect(decoded('(null)')).toBeUndefined();
  });

  it("treats audit's placeholders as absent", () => {
    for (const value of ['?', '"?"', '(none)', '(null)', '(unknown)', '""']) expect(plain(value), value).toBeUndefined();
    expect(plain('"alice"')).toBe('alice');
  });

  it('treats unset ids as absent', () => {
    expect(auditId('4294967295')).toBeUndefined();
    expect(auditId('-1')).toBeUndefined();
    expect(auditId('unset')).toBeUndefined();
    expect(auditId('1000')).toBe('1000');
    expect(auditId('10x')).toBeUndefined();
  });
});
