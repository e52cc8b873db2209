import { z } from 'zod';

/** The most rules one backtest request may name (`all` aside). */
export const MAX_BACKTEST_RULE_REFS = 1000;

/** What to backtest: which rules, over which stored events. */
export const backtestRequestSchema = z
  .object({
    rules: z
      .union([z.literal('all'), z.array(z.string().min(1).max(256)).min(1).max(MAX_BACKTEST_RULE_REFS)])
      .describe('The rules to run, by id or Sigma `name`, or `"all"` for every loaded rule. A correlation brings the rules it reads.'),
    from: z.iso.datetime({ offset: true }).describe('Start of the time range (inclusive): events whose `@timestamp` is at or after it, ISO-8601.'),
    to: z.iso.datetime({ offset: true }).describe('End of the time range (exclusive), ISO-8601; after `from`.'),
    query: z
      .string()
      .max(10_000)
      .default('')
      .describe('Narrows the events read, in the search query language (as `GET /api/v1/events?q=`); empty reads every event of the range.'),
  })
  .strict()
  .refine((request) => Date.parse(request.from) < Date.parse(request.to), { message: 'must be after from', path: ['to'] });

/** A backtest request, validated (defaults applied). */
export type BacktestRequest = z.output<typeof backtestRequestSchema>;
/** A backtest request as a client writes it. */
export type BacktestRequestInput = z.input<typeof backtestRequestSchema>;
