import type { CorrelationSpec, SigmaRule } from '../sigma/types.ts';

/**
 * The event field a correlation reads for `field` (a group-by field or the value_count field)
 * in the events of one of its input rules: the alias's field for that rule when the correlation
 * defines one, else the field through the input rule's pipeline mapping (`c-ip` → `source.ip`).
 */
export function correlationFieldPath(spec: CorrelationSpec, input: SigmaRule, field: string): string {
  const alias = spec.aliases[field];
  const aliased = alias && ((input.name !== undefined ? alias[input.name] : undefined) ?? alias[input.id]);
  if (aliased !== undefined) return aliased;
  return input.kind === 'detection' ? input.mapping.fieldNames(field)[0]! : field;
}

/** The event fields detection reads besides the rules' own: event time, id and fold count. */
export const EVENT_FIELDS_READ = ['@timestamp', 'event.created', 'event.ingested', 'event.id', 'vigil.aggregation.count'] as const;
