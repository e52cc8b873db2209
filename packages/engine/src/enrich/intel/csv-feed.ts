import { ALERT_SEVERITIES, type AlertSeverity } from '@vigil/schema';
import { csvRecords } from './csv-records.ts';
import { intelErrors } from './errors.ts';
import { LoadTally, toIsoDate, type Indicator, type LoadResult } from './indicator.ts';
import { parseIndicatorValue, requestedType } from './normalize.ts';

/** The indicator fields a CSV column can fill. */
export const CSV_FIELDS = ['type', 'value', 'confidence', 'severity', 'description', 'firstSeen', 'lastSeen', 'validUntil', 'tags', 'reference', 'id'] as const;
/** One indicator field a CSV column can fill. */
export type CsvField = (typeof CSV_FIELDS)[number];

const DEFAULT_HEADERS: Readonly<Record<CsvField, string>> = {
  type: 'type',
  value: 'value',
  confidence: 'confidence',
  severity: 'severity',
  description: 'description',
  firstSeen: 'first_seen',
  lastSeen: 'last_seen',
  validUntil: 'valid_until',
  tags: 'tags',
  reference: 'reference',
  id: 'id',
};

/** How to read one CSV feed. */
export interface CsvFeedOptions {
  /** The feed's name, the indicators' `source`. */
  source: string;
  /** Confidence of rows without one. */
  defaultConfidence: number;
  /** Header name of each field's column where it is not the default (`value`, `first_seen`, …). */
  columns?: Partial<Record<CsvField, string>>;
  /** Where the text came from, for error messages. */
  location?: string;
  nowMs?: number;
}

const CONFIDENCE_WORDS: Readonly<Record<string, number>> = { none: 0, low: 15, medium: 50, high: 85 };

/**
 * Reads a CSV feed with a header row. Columns are found by header name (case-insensitive);
 * only `value` is required, and without a `type` column (or with an empty cell) the type is
 * inferred from the value. Bad rows are counted and listed with their line; only a file
 * without a usable header is unreadable (thrown).
 */
export function parseCsvFeed(text: string, options: CsvFeedOptions): LoadResult {
  const tally = new LoadTally(options.nowMs ?? Date.now());
  const unreadable = (reason: string) => intelErrors.create('VIGIL_ERR_INTEL_FEED_UNREADABLE', { location: options.location ?? options.source, reason });
  let columns: Map<CsvField, number> | undefined;
  for (const record of csvRecords(text)) {
    if (record.fields === undefined) {
      if (columns === undefined) throw unreadable(`line ${record.line}: ${record.error}`);
      tally.result.entries++;
      tally.reject({ line: record.line }, record.error);
      continue;
    }
    if (record.fields.every((field) => field.trim() === '')) continue;
    if (columns === undefined) {
      columns = headerColumns(record.fields, options.columns ?? {});
      if (!columns.has('value')) throw unreadable(`the header (line ${record.line}) has no '${options.columns?.value ?? 'value'}' column`);
      continue;
    }
    tally.result.entries++;
    const row = rowIndicator(record.fields, columns, options);
    if (typeof row === 'string') tally.reject({ line: record.line }, row);
    else tally.add(row);
  }
  if (columns === undefined) throw unreadable('no header row');
  return tally.result;
}

function headerColumns(header: string[], names: Partial<Record<CsvField, string>>): Map<CsvField, number> {
  const positions = new Map(header.map((name, i) => [name.trim().toLowerCase(), i] as const));
  const columns = new Map<CsvField, number>();
  for (const field of CSV_FIELDS) {
    const position = positions.get((names[field] ?? DEFAULT_HEADERS[field]).toLowerCase());
    if (position !== undefined) columns.set(field, position);
  }
  return columns;
}

/** The row's indicator, or why the row was refused. */
function rowIndicator(fields: string[], columns: Map<CsvField, number>, options: CsvFeedOptions): Indicator | string {
  const cell = (field: CsvField): string => {
    const position = columns.get(field);
    return position === undefined ? '' : (fields[position] ?? '').trim();
  };
  const typeName = cell('type');
  const type = typeName === '' ? undefined : requestedType(typeName);
  if (typeName !== '' && type === undefined) return `unknown type '${typeName}'`;
  const parsed = parseIndicatorValue(type, cell('value'));
  if (!parsed.ok) return parsed.reason;

  let confidence = options.defaultConfidence;
  const confidenceText = cell('confidence');
  if (confidenceText !== '') {
    const word = confidenceText.toLowerCase();
    confidence = Object.hasOwn(CONFIDENCE_WORDS, word) ? CONFIDENCE_WORDS[word]! : Number(confidenceText);
    if (!Number.isFinite(confidence) || confidence < 0 || confidence > 100) return `confidence '${confidenceText}' is not a number from 0 to 100 (or low, medium, high)`;
  }
  const severityText = cell('severity').toLowerCase();
  if (severityText !== '' && !(ALERT_SEVERITIES as readonly string[]).includes(severityText)) return `severity '${severityText}' is not one of ${ALERT_SEVERITIES.join(', ')}`;

  const dates: Partial<Record<'first_seen' | 'last_seen' | 'valid_until', string>> = {};
  for (const [field, key] of [['firstSeen', 'first_seen'], ['lastSeen', 'last_seen'], ['validUntil', 'valid_until']] as const) {
    const text = cell(field);
    if (text === '') continue;
    const iso = toIsoDate(text);
    if (iso === undefined) return `${key} '${text}' is not a date`;
    dates[key] = iso;
  }
  const tags = cell('tags')
    .split(/[;|]/)
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
  return {
    type: parsed.type,
    value: parsed.value,
    source: options.source,
    confidence: Math.round(confidence),
    ...(severityText !== '' && { severity: severityText as AlertSeverity }),
    ...optional('description', cell('description')),
    ...dates,
    ...(tags.length > 0 && { tags }),
    ...optional('reference', cell('reference')),
    ...optional('id', cell('id')),
  };
}

function optional<K extends string>(key: K, value: string): Partial<Record<K, string>> {
  return value === '' ? {} : ({ [key]: value } as Record<K, string>);
}
