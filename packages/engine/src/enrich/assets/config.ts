import { z } from 'zod';

/** The asset inventory: which hosts matter, who owns them. */
export const assetConfigSchema = z
  .object({
    path: z
      .string()
      .min(1)
      .describe(
        'CSV (header row: host,name,owner,criticality; host is a host name, an IP address or a CIDR network) or JSON (an array of {host, name, owner, criticality}) file of the assets. Criticality is low, medium, high or critical.',
      ),
    refreshIntervalMs: z.number().int().min(1_000).default(300_000).describe('How often the file is read again; a file that fails to read keeps the previous inventory.'),
  })
  .strict();

export type AssetConfig = z.output<typeof assetConfigSchema>;
export type AssetConfigInput = z.input<typeof assetConfigSchema>;
