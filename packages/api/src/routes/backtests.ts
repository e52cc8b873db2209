import { z } from 'zod';
import { backtestReportSchema, backtestRequestSchema, runBacktest, selectRules, type DetectionConfigInput, type RuleTestReport, type Ruleset } from '@vigil/engine';
import { scanEvents, type Store } from '@vigil/store';
import { TRIAGERS } from '../auth/roles.ts';
import type { ApiConfig } from '../config.ts';
import { apiErrors } from '../errors.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';

/** What backtests and the rules routes need from the host: the configured rules, the engine's detection settings, and a way to run a rule file's tests. */
export interface ApiBacktestDeps {
  /** Loads the configured rules; called for each backtest, so a rule edited on disk is tried without a restart. */
  readonly loadRules: () => Promise<Ruleset>;
  /** The engine's detection settings, so alerts dedup and correlate as the engine's would. */
  readonly detection?: DetectionConfigInput;
  /** Runs the tests of one rule file (`vigil rules test` for that file); without it, `POST /api/v1/rules/:id/tests` answers 503. */
  readonly testRuleFile?: (file: string) => Promise<RuleTestReport>;
}

export const backtestResponseSchema = backtestReportSchema
  .extend({
    from: z.string().describe('The range\'s start, as asked.'),
    to: z.string().describe('The range\'s end, as asked.'),
    query: z.string().describe('The query that narrowed the events, as asked.'),
  })
  .meta({ id: 'BacktestReport', description: 'What the rules matched over the stored events and the alerts they would have raised (none were).' });

/** `POST /api/v1/backtests`: runs rules over stored events and answers with the report. */
export function backtestRoutes(deps: { store: Store; backtest: ApiBacktestDeps; limits: ApiConfig['backtest'] }): RouteDefinition[] {
  const { store, backtest, limits } = deps;
  let running = 0;
  return [
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/backtests',
        operationId: 'runBacktest',
        summary: 'Backtest rules over stored events',
        description:
          'Runs the rules (as loaded from the configured rule directories now) over the stored events of the time range, oldest first, as the engine would have run them on the stream, and answers with what they matched and the alerts they would have raised. No alert is created. The answer comes when the backtest ends; a backtest that reaches `api.backtest.maxEvents` or `timeLimitMs` answers with what it found so far, `complete: false`. Backtests run without enrichment. A client that disconnects cancels its backtest.',
        tags: ['detection'],
        access: TRIAGERS,
        body: backtestRequestSchema,
        responses: { 200: { description: 'The backtest report.', schema: backtestResponseSchema } },
        errors: {
          400: 'The request is invalid, names a rule no loaded rule has (`VIGIL_ERR_BACKTEST_UNKNOWN_RULE`, `details.unknown`), has a query the store cannot parse, or the configured rules do not load (`VIGIL_ERR_RULES_INVALID`).',
          429: 'As many backtests as `api.backtest.maxConcurrent` are running; retry after `Retry-After` seconds.',
        },
      },
      async ({ body, reply }) => {
        if (running >= limits.maxConcurrent) throw apiErrors.create('VIGIL_ERR_API_BACKTEST_BUSY', { running });
        running++;
        const cancel = new AbortController();
        const onClose = () => {
          if (!reply.raw.writableEnded) cancel.abort();
        };
        reply.raw.once('close', onClose);
        try {
          const selection = selectRules(await backtest.loadRules(), body.rules);
          const events = scanEvents(store, { query: body.query, from: body.from, to: body.to });
          const report = await runBacktest(selection, events, {
            ...(backtest.detection && { detection: backtest.detection }),
            signal: cancel.signal,
            maxEvents: limits.maxEvents,
            timeLimitMs: limits.timeLimitMs,
            maxAlerts: limits.maxAlerts,
          });
          return { from: body.from, to: body.to, query: body.query, ...report };
        } finally {
          reply.raw.off('close', onClose);
          running--;
        }
      },
    ),
  ];
}
