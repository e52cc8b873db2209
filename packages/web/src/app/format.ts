/** Formatting and field access shared by the pages. Everything is rendered as text by React: no HTML from data. */

/** `2025-03-14 09:26:10Z` from an ISO time (or the text as it is when it is not one). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** Reads a dotted field (`source.ip`) from an event; fields stored with dots in their names are found too. */
export function field(event: unknown, path: string): unknown {
  let current: unknown = event;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** A field value as one line of text. */
export function show(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(show).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Every leaf field of an event, as dotted paths with their values, sorted by path. Arrays of scalars are one field. */
export function flatten(event: unknown, prefix = ''): [string, unknown][] {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return prefix === '' ? [] : [[prefix, event]];
  const fields: [string, unknown][] = [];
  for (const [key, value] of Object.entries(event as Record<string, unknown>)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) fields.push(...flatten(value, path));
    else fields.push([path, value]);
  }
  return fields.sort(([a], [b]) => a.localeCompare(b));
}

/** A query term matching a field's value exactly, in the query language (`source.ip:"203.0.113.50"`). */
export function term(path: string, value: unknown): string {
  const text = Array.isArray(value) ? show(value[0]) : show(value);
  return `${path}:"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `1 alert`, `2 alerts`; `many` for nouns that do not just take an s (`match`, `matches`). */
export function plural(count: number, noun: string, many = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : many}`;
}
