import { describe, expect, it } from 'vitest';
import { domainKey, normalizeDomain, normalizeUrl, parseIndicatorValue } from './normalize.ts';

describe('URL normalization', () => {
  it('lower-cases scheme and host, drops default ports and fragments, keeps path and query as written', () => {
    expect(normalizeUrl('HTTP://Downloads.Bad.Example:80/Payload.bin?ID=7#frag')).toBe('http://downloads.bad.example/Payload.bin?ID=7');
    expect(normalizeUrl('https://secure-update.example:443/o365/login.php')).toBe('https://secure-update.example/o365/login.php');
    expect(normalizeUrl('wss://chat.bad.example:443/socket')).toBe('wss://chat.bad.example/socket');
  });

  it('keeps a port that is not the default, and writes an empty path as /', () => {
    expect(normalizeUrl('http://bad.example:8080')).toBe('http://bad.example:8080/');
    expect(normalizeUrl('https://bad.example:8443?q=1')).toBe('https://bad.example:8443/?q=1');
    expect(normalizeUrl('https://bad.example:0443/')).toBe('https://bad.example/');
  });

  it('handles user info, a trailing dot on the host and IPv6 hosts', () => {
    expect(normalizeUrl('ftp://anonymous@FILES.Bad.Example.:21/pub/x.exe')).toBe('ftp://anonymous@files.bad.example/pub/x.exe');
    expect(normalizeUrl('http://[2001:DB8::1]:80/admin')).toBe('http://[2001:db8::1]/admin');
    expect(normalizeUrl('http://[2001:db8::1]:8000/admin')).toBe('http://[2001:db8::1]:8000/admin');
  });

  it('refuses text without scheme://host or with a bad port', () => {
    expect(normalizeUrl('/search?q=evil')).toBeUndefined();
    expect(normalizeUrl('bad.example/path')).toBeUndefined();
    expect(normalizeUrl('http:///path')).toBeUndefined();
    expect(normalizeUrl('http://bad.example:80a/')).toBeUndefined();
    expect(normalizeUrl('1http://bad.example/')).toBeUndefined();
  });
});

describe('domains', () => {
  it('lower-cases, drops the trailing dot and a leading wildcard label', () => {
    expect(normalizeDomain(' Update-Check.Evil.Example. ')).toBe('update-check.evil.example');
    expect(normalizeDomain('*.evil.example')).toBe('evil.example');
    expect(domainKey('WWW.Evil.Example.')).toBe('www.evil.example');
  });

  it('refuses names that are not host names', () => {
    expect(normalizeDomain('evil..example')).toBeUndefined();
    expect(normalizeDomain('evil example')).toBeUndefined();
    expect(normalizeDomain(`${'a'.repeat(64)}.example`)).toBeUndefined();
    expect(normalizeDomain('.')).toBeUndefined();
  });
});

describe('feed values', () => {
  it('infers the type from the value when the feed gives none', () => {
    expect(parseIndicatorValue(undefined, '198.51.100.7')).toEqual({ ok: true, type: 'ipv4', value: '198.51.100.7' });
    expect(parseIndicatorValue(undefined, '2001:db8::1')).toEqual({ ok: true, type: 'ipv6', value: '2001:db8::1' });
    expect(parseIndicatorValue(undefined, '203.0.113.0/25')).toEqual({ ok: true, type: 'cidr', value: '203.0.113.0/25' });
    expect(parseIndicatorValue(undefined, 'Login-Portal.Test')).toEqual({ ok: true, type: 'domain', value: 'login-portal.test' });
    expect(parseIndicatorValue(undefined, 'https://bad.example/x')).toEqual({ ok: true, type: 'url', value: 'https://bad.example/x' });
    expect(parseIndicatorValue(undefined, 'bad.example/x.exe')).toEqual({ ok: true, type: 'url', value: 'http://bad.example/x.exe' });
    expect(parseIndicatorValue(undefined, 'D41D8CD98F00B204E9800998ECF8427E')).toEqual({ ok: true, type: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e' });
    expect(parseIndicatorValue(undefined, 'da39a3ee5e6b4b0d3255bfef95601890afd80709')).toMatchObject({ type: 'sha1' });
    expect(parseIndicatorValue(undefined, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')).toMatchObject({ type: 'sha256' });
  });

  it('turns an address type given a network into a cidr, and refuses the wrong family or kind', () => {
    expect(parseIndicatorValue('ipv4', '10.0.0.0/8')).toEqual({ ok: true, type: 'cidr', value: '10.0.0.0/8' });
    expect(parseIndicatorValue('ipv4', '2001:db8::1')).toEqual({ ok: false, reason: "'2001:db8::1' is not an ipv4 address" });
    expect(parseIndicatorValue('cidr', '10.0.0.1')).toEqual({ ok: false, reason: "'10.0.0.1' is not a CIDR network" });
    expect(parseIndicatorValue('sha256', 'd41d8cd98f00b204e9800998ecf8427e')).toEqual({ ok: false, reason: "'d41d8cd98f00b204e9800998ecf8427e' is not a SHA-256 hash" });
    expect(parseIndicatorValue(undefined, '1.2.3.999')).toEqual({ ok: false, reason: "cannot tell what kind of indicator '1.2.3.999' is" });
    expect(parseIndicatorValue(undefined, '  ')).toEqual({ ok: false, reason: 'empty value' });
  });
});
