import { describe, expect, it } from 'vitest';
import { eventTexts } from './event-texts.ts';

const encode = (text: string) => new TextEncoder().encode(text);

describe('eventTexts', () => {
  it('gives each event of a batch as its UTF-8 text, in order', () => {
    const texts = ['{"message":"Failed password for root"}', '{"user":{"name":"jürgen"}}', '{"message":"日本語 ✓"}'];
    expect([...eventTexts(texts.map(encode))]).toEqual(texts);
  });

  it('decodes an event only when it is reached', () => {
    const events = [encode('{"a":1}'), encode('{"b":2}')];
    const iterator = eventTexts(events)[Symbol.iterator]();
    expect(iterator.next()).toEqual({ done: false, value: '{"a":1}' });
    // Changing a later event's bytes before it is reached changes what is read.
    events[1] = encode('{"c":3}');
    expect(iterator.next()).toEqual({ done: false, value: '{"c":3}' });
    expect(iterator.next().done).toBe(true);
  });

  it('can be iterated again, and is empty for an empty batch', () => {
    const texts = eventTexts([encode('{}')]);
    expect([...texts]).toEqual(['{}']);
    expect([...texts]).toEqual(['{}']);
    expect([...eventTexts([])]).toEqual([]);
  });
});
