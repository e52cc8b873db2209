import { z } from 'zod';
import { alertSchema, ecsEventSchema } from '@vigil/schema';

/**
 * Schemas shared by several routes. The ones with an `id` become named components in the
 * OpenAPI document.
 */

export const errorBodySchema = z
  .object({
    error: z
      .object({
        code: z.string().describe('Stable error code, `VIGIL_ERR_<AREA>_<WHAT>`.'),
        message: z.string().describe('What went wrong, for humans.'),
        details: z.unknown().optional().describe('Structured detail, e.g. the invalid fields of a request.'),
      })
      .strict(),
  })
  .strict()
  .meta({ id: 'Error', description: 'The body of every error response.' });

export const alertDocumentSchema = alertSchema.meta({ id: 'Alert', description: 'An alert document (`event.kind: alert`).' });

export const eventDocumentSchema = ecsEventSchema.meta({ id: 'Event', description: 'An ECS event as stored, with its `vigil.*` provenance.' });

/** Page size for list routes. */
export const pageSizeSchema = z.coerce.number().int().min(1).max(1000).default(50).describe('Results per page, 1 to 1000.');

/** Opaque paging cursor from a previous response. */
export const cursorSchema = z.string().min(1).max(4096).optional().describe('Cursor from the previous page; omit for the first page.');

/** A page cursor in responses. */
export const nextCursorSchema = z.string().nullable().describe('Cursor for the next page, or null on the last page.');
