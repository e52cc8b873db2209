import { z } from 'zod';

/** Detection settings: alert dedup, correlation state limits and event-time bounds. */
export const detectionConfigSchema = z
  .object({
    dedupWindowMs: z
      .number()
      .int()
      .positive()
      .default(3_600_000)
      .describe('A new hit updates an existing alert with the same dedup key when it comes at most this long after the alert last_seen.'),
    maxOpenAlerts: z
      .number()
      .int()
      .positive()
      .default(100_000)
      .describe('Most alerts remembered for dedup; beyond it the least recently updated is forgotten (counted).'),
    maxGroupsPerCorrelation: z
      .number()
      .int()
      .positive()
      .default(100_000)
      .describe('Most group-by groups one correlation rule keeps; beyond it the least recently touched group is evicted (counted).'),
    maxEntriesPerGroup: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('Most matches one correlation group keeps; beyond it the oldest are dropped (counted), so counts saturate here.'),
    maxEventDelayMs: z
      .number()
      .int()
      .nonnegative()
      .default(86_400_000)
      .describe('An event @timestamp more than this long before its event.created is moved up to event.created minus this.'),
  })
  .strict();

/** Parsed detection settings. */
export type DetectionConfig = z.output<typeof detectionConfigSchema>;
/** Detection settings as written (defaults optional). */
export type DetectionConfigInput = z.input<typeof detectionConfigSchema>;
