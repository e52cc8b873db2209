/** One CSV record with the line it starts on, or why the record could not be read. */
export type CsvRecord = { line: number; fields: string[]; error?: undefined } | { line: number; fields?: undefined; error: string };

/**
 * Reads CSV (RFC 4180 with the usual leniencies): quoted fields may hold commas, doubled
 * quotes and line breaks; blank lines and lines starting with `#` are skipped; CRLF or LF.
 * A malformed record is yielded as an error and reading resumes on the next line, so one
 * bad row never costs the rest of the file (an unclosed quote swallows only its own line).
 */
export function* csvRecords(text: string): Generator<CsvRecord> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 10 || code === 13 || code === 35) {
      // Blank or comment line.
      i = nextLine(text, lineEnd(text, i));
      line++;
      continue;
    }
    const record = readRecord(text, i);
    if (record.error === undefined) {
      yield { line, fields: record.fields };
      line += record.lines;
      i = record.next;
    } else {
      yield { line, error: record.error };
      i = nextLine(text, lineEnd(text, i));
      line++;
    }
  }
}

function lineEnd(text: string, from: number): number {
  let end = from;
  while (end < text.length && text.charCodeAt(end) !== 10 && text.charCodeAt(end) !== 13) end++;
  return end;
}

function nextLine(text: string, end: number): number {
  if (text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10) return end + 2;
  return end + 1;
}

type RawRecord = { fields: string[]; next: number; lines: number; error?: undefined } | { error: string };

function readRecord(text: string, start: number): RawRecord {
  const fields: string[] = [];
  let i = start;
  let lines = 1;
  for (;;) {
    let field: string;
    if (text.charCodeAt(i) === 34) {
      field = '';
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote === -1) return { error: 'a quoted field is never closed' };
        for (let j = i; j < quote; j++) if (text.charCodeAt(j) === 10) lines++;
        field += text.slice(i, quote);
        i = quote + 1;
        if (text.charCodeAt(i) !== 34) break;
        field += '"';
        i++;
      }
      const after = text.charCodeAt(i);
      if (i < text.length && after !== 44 && after !== 10 && after !== 13) return { error: `unexpected '${text[i]}' after a closing quote` };
    } else {
      const from = i;
      while (i < text.length) {
        const code = text.charCodeAt(i);
        if (code === 44 || code === 10 || code === 13) break;
        i++;
      }
      field = text.slice(from, i);
    }
    fields.push(field);
    if (i >= text.length) return { fields, next: i, lines };
    if (text.charCodeAt(i) === 44) {
      i++;
      continue;
    }
    return { fields, next: nextLine(text, i), lines };
  }
}
