import { describe, expect, it } from 'vitest';
import { flatText, ownedText } from './string-ownership.ts';

describe('strings kept from an event', () => {
  const event = JSON.stringify({ source: { ip: '2001:db8:85a3::8a2e:370:7334' }, host: { hostname: 'bastion-114.prod.example.net' }, user: { name: 'zoë' } });

  it('copies a value read from the event with the same characters, short or long', () => {
    for (const value of ['10.1.2.3', '2001:db8:85a3::8a2e:370:7334', 'bastion-114.prod.example.net', 'zoë', '']) {
      const slice = event.includes(value) ? event.slice(event.indexOf(value), event.indexOf(value) + value.length) : value;
      expect(ownedText(slice)).toBe(value);
    }
  });

  it('gives text joined from pieces back unchanged', () => {
    const joined = `{"host":${event.slice(event.indexOf('{"hostname"'), event.indexOf('},"user"') + 1)}}`;
    expect(flatText(joined)).toBe('{"host":{"hostname":"bastion-114.prod.example.net"}}');
  });
});
