import { formatDuration } from '../correlation/timespan.ts';
import { readPath, scalarText } from '../sigma/event-context.ts';
import type { SigmaRule } from '../sigma/types.ts';

/**
 * The human summary of an alert. A rule may give a template (`vigil: {message: ...}`) with
 * placeholders: `{count}` (events in the alert), `{duration}` (first to last seen),
 * `{timespan}` (the correlation's), `{value}` (what the correlation counted), `{title}`, and
 * any field path (`{source.ip}`), read from the alert's group first and then from the event
 * that triggered the latest update.
 */

/** What an alert message is rendered from. */
export interface MessageInput {
  readonly rule: SigmaRule;
  readonly group: Readonly<Record<string, string>>;
  readonly event: unknown;
  readonly count: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly measure: number | undefined;
}

/** Renders the alert message for a rule. */
export function alertMessage(input: MessageInput): string {
  if (input.rule.messageTemplate !== undefined) return renderTemplate(input.rule.messageTemplate, input);
  const group = Object.entries(input.group)
    .map(([field, value]) => `${field}=${value}`)
    .join(', ');
  const subject = `${input.rule.title}${group ? ` (${group})` : ''}`;
  if (input.rule.kind === 'correlation') return `${subject}: ${input.count} event${input.count === 1 ? '' : 's'} in ${formatDuration(input.lastSeen - input.firstSeen)}`;
  return input.count > 1 ? `${subject}: ${input.count} events` : subject;
}

const PLACEHOLDER = /\{([A-Za-z0-9_.@-]+)\}/g;

/** The placeholders that are not fields. */
const SPECIAL = new Set(['count', 'duration', 'timespan', 'value', 'title']);

/** The field paths a template reads (its placeholders other than count, duration, timespan, value and title). */
export function templateFields(template: string | undefined): string[] {
  if (template === undefined) return [];
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1]!).filter((name) => !SPECIAL.has(name));
}

/** A template cut at its placeholders: text, then a placeholder's name and (for a field) its split path, in turn. */
type TemplatePart = string | { readonly name: string; readonly path: readonly string[] };

/** Templates cut once each (a rule pack has a few dozen). */
const compiledTemplates = new Map<string, readonly TemplatePart[]>();

function compileTemplate(template: string): readonly TemplatePart[] {
  let parts = compiledTemplates.get(template);
  if (parts !== undefined) return parts;
  const cut: TemplatePart[] = [];
  let from = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (match.index > from) cut.push(template.slice(from, match.index));
    cut.push({ name: match[1]!, path: match[1]!.split('.') });
    from = match.index + match[0].length;
  }
  if (from < template.length) cut.push(template.slice(from));
  compiledTemplates.set(template, (parts = cut));
  return parts;
}

function renderTemplate(template: string, input: MessageInput): string {
  let message = '';
  for (const part of compileTemplate(template)) message += typeof part === 'string' ? part : placeholderValue(part, input);
  return message;
}

function placeholderValue({ name, path }: Exclude<TemplatePart, string>, input: MessageInput): string {
  switch (name) {
    case 'count':
      return String(input.count);
    case 'duration':
      return formatDuration(input.lastSeen - input.firstSeen);
    case 'timespan':
      return input.rule.kind === 'correlation' ? input.rule.correlation.timespan : '-';
    case 'value':
      return input.measure === undefined ? '-' : String(input.measure);
    case 'title':
      return input.rule.title;
    default:
      return fieldValue(input, name, path);
  }
}

function fieldValue(input: MessageInput, field: string, path: readonly string[]): string {
  if (Object.hasOwn(input.group, field)) return input.group[field]!;
  const raw = readPath(input.event, path);
  if (Array.isArray(raw)) return raw.map((element) => scalarText(element) ?? '').join(', ') || '-';
  return scalarText(raw) ?? '-';
}
