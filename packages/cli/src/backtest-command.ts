import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { backtestRequestSchema, loadRules, parseTimespan, pipelineOptions, ruleDirectories, runBacktest, selectRules } from '@vigil/engine';
import { Metrics, describeError, silentLogger } from '@vigil/runtime';
import { scanEvents } from '@vigil/store';
import { loadConfig } from './config.ts';
import { openStore, sqliteStorePath } from './infrastructure.ts';
import { formatReport, progressLine, type BacktestResult } from './backtest-output.ts';

const USAGE = `usage: vigil backtest (--rules <id|name>[,...] | --all) --from <time> --to <time> [--query <q>] [--json] [--max-alerts <n>]

Runs rules over the stored events of a time range, oldest first, as the engine would have run
them on the stream, and reports what each matched and the alerts they would have raised.
Nothing is published or stored.
  --rules       rule ids or Sigma names, comma-separated or repeated; a correlation brings the rules it reads
  --all         every configured rule
  --from        start of the range (inclusive): an ISO-8601 date-time with Z or an offset, a date
                (midnight UTC), now, or now-<n><s|m|h|d|w> (now-24h)
  --to          end of the range (exclusive), in the same forms
  --query       read only the events this search query matches
  --json        print the report as JSON (no progress line)
  --max-alerts  alerts listed in the report (default 1000; the others are counted)
Reads the store and rules Vigil is configured with (VIGIL_CONFIG, VIGIL_DATA_DIR, VIGIL_STORE,
VIGIL_RULES_DIRS). On a terminal a progress line shows while it runs; Ctrl-C stops it and prints
what it found so far. Exit code 0 when it ran, 1 on an error, 2 on bad usage, 130 when stopped.`;

/** Where `vigil backtest` reads its environment and writes its output; tests pass their own. */
export interface BacktestIo {
  env?: NodeJS.ProcessEnv;
  /** Where the report goes; progress is drawn on it when it is a terminal. */
  stdout?: { write(text: string): unknown; isTTY?: boolean };
  err?: (line: string) => void;
  /** Stops the backtest (as Ctrl-C does); by default SIGINT. */
  signal?: AbortSignal;
  /** The current time, for `now` in --from and --to. */
  now?: () => number;
  /** How often the progress line is redrawn, in ms. */
  progressIntervalMs?: number;
}

/**
 * `vigil backtest`: runs the selected rules over the configured store's events of a time range
 * and prints what they would have raised (a table, or JSON with --json), drawing a progress
 * line while it runs when stdout is a terminal.
 */
export async function backtestCommand(args: string[], io: BacktestIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const err = io.err ?? ((line: string) => console.error(line));
  const usage = (problem: string) => {
    err(`vigil backtest: ${problem}\n\n${USAGE}`);
    return 2;
  };
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        rules: { type: 'string', multiple: true },
        all: { type: 'boolean' },
        from: { type: 'string' },
        to: { type: 'string' },
        query: { type: 'string' },
        json: { type: 'boolean' },
        'max-alerts': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    return usage(describeError(error));
  }
  if (values.help) {
    stdout.write(`${USAGE}\n`);
    return 0;
  }
  const refs = (values.rules ?? []).flatMap((list) => list.split(',')).map((ref) => ref.trim()).filter((ref) => ref !== '');
  if ((refs.length > 0) === Boolean(values.all)) return usage('name the rules with --rules <id|name>[,...], or pass --all (not both)');
  const maxAlerts = values['max-alerts'] === undefined ? 1000 : Number(values['max-alerts']);
  if (!Number.isInteger(maxAlerts) || maxAlerts < 1) return usage(`--max-alerts ${values['max-alerts']} is not a whole number of at least 1`);
  const now = (io.now ?? Date.now)();
  const parsed = backtestRequestSchema.safeParse({
    rules: values.all ? 'all' : refs,
    from: values.from === undefined ? undefined : rangeTime(values.from, now),
    to: values.to === undefined ? undefined : rangeTime(values.to, now),
    query: values.query ?? '',
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return usage(`--${String(issue.path[0] ?? 'rules')}: ${issue.path[0] === 'from' || issue.path[0] === 'to' ? describeTime(values, issue) : issue.message}`);
  }
  const request = parsed.data;

  const config = loadConfig(io.env ?? process.env);
  if (config.store.kind === 'sqlite' && !existsSync(sqliteStorePath(config))) {
    err(`vigil backtest: no store at ${sqliteStorePath(config)}; set VIGIL_DATA_DIR to the data directory of the Vigil whose events to read`);
    return 1;
  }
  const cancel = new AbortController();
  const onSignal = () => cancel.abort();
  io.signal?.addEventListener('abort', onSignal, { once: true });
  if (!io.signal) process.once('SIGINT', onSignal);
  const showProgress = stdout.isTTY === true && !values.json;
  let store;
  try {
    const selection = selectRules(await loadRules(ruleDirectories(config.engine), pipelineOptions(config.engine)), request.rules);
    store = await openStore(config, new Metrics({ defaultMetrics: false }), silentLogger());
    const report = await runBacktest(selection, scanEvents(store, { query: request.query, from: request.from, to: request.to }), {
      detection: config.engine.detection,
      signal: cancel.signal,
      maxAlerts,
      ...(io.progressIntervalMs !== undefined && { progressIntervalMs: io.progressIntervalMs }),
      ...(showProgress && { onProgress: (progress) => void stdout.write(progress.done ? '\r\x1b[2K' : progressLine(progress, request)) }),
    });
    const result: BacktestResult = { from: request.from, to: request.to, query: request.query, ...report };
    stdout.write(`${values.json ? JSON.stringify(result, null, 2) : formatReport(result)}\n`);
    return report.stoppedBy === 'cancelled' ? 130 : 0;
  } catch (error) {
    if (showProgress) stdout.write('\r\x1b[2K');
    err(`vigil backtest: ${describeError(error)}`);
    return 1;
  } finally {
    io.signal?.removeEventListener('abort', onSignal);
    process.off('SIGINT', onSignal);
    await store?.close();
  }
}

/** An ISO-8601 date-time for --from/--to: as given, a date at midnight UTC, `now` or `now-<timespan>`; unknown forms pass through for validation to name. */
function rangeTime(text: string, now: number): string {
  if (text === 'now') return new Date(now).toISOString();
  const relative = /^now-(.+)$/.exec(text);
  const back = relative ? parseTimespan(relative[1]!) : undefined;
  if (back !== undefined) return new Date(now - back).toISOString();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return `${text}T00:00:00Z`;
  return text;
}

function describeTime(values: { from?: string; to?: string }, issue: { path: PropertyKey[]; message: string }): string {
  const name = issue.path[0] as 'from' | 'to';
  const given = values[name];
  if (given === undefined) return 'missing; give the range with --from and --to';
  return issue.message === 'must be after from' ? `${given} is not after --from ${values.from}` : `${given} is not a time (an ISO-8601 date-time with Z or an offset, a date, now, or now-24h)`;
}
