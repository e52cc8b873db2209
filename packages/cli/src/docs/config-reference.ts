import { z } from 'zod';
import { ENV_BINDINGS } from '../env.ts';

interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  minimum?: number;
  maximum?: number;
}

interface Row {
  key: string;
  type: string;
  defaultValue: string;
  env: string;
  description: string;
}

/**
 * Renders the configuration reference (docs/configuration.md) from the zod schema itself, so
 * the docs cannot drift from what the code accepts; a test fails when the file is stale.
 */
export function renderConfigReference(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const rows: Row[] = [];
  collect(json, '', rows);
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated from the zod schemas by `pnpm run docs`; a test fails when this file is stale. -->',
    '',
    'Vigil reads its configuration once at start-up: built-in defaults, then the JSON or YAML file named by',
    '`VIGIL_CONFIG` (if set), then the environment variables below. Unknown keys are errors, and a bad value',
    'stops start-up with a message naming the key.',
    '',
    '| key | type | default | environment | description |',
    '|---|---|---|---|---|',
    ...rows.map((row) => `| \`${row.key}\` | ${row.type} | ${row.defaultValue} | ${row.env} | ${escapeCell(row.description)} |`),
    '',
  ];
  return lines.join('\n');
}

function collect(node: JsonSchemaNode, prefix: string, rows: Row[], variant = ''): void {
  if (node.properties) {
    for (const [key, child] of Object.entries(node.properties)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (child.properties) {
        collect(child, path, rows, variant);
        continue;
      }
      rows.push({
        key: path,
        type: typeOf(child),
        defaultValue: child.default === undefined ? '' : `\`${JSON.stringify(child.default)}\``,
        env: ENV_BINDINGS.filter((binding) => binding.paths.includes(path)).map((binding) => `\`${binding.name}\``).join(', '),
        description: `${variant}${child.description ?? ''}`,
      });
      // A list of objects (feeds, channels) gets a row per field of its items, under `key[]`.
      for (const item of objectVariants(child.items)) collect(item, `${path}[]`, rows, variantLabel(item));
    }
  }
}

/** The object schemas a list's items may be: one, or each variant of a union. */
function objectVariants(node: JsonSchemaNode | undefined): JsonSchemaNode[] {
  if (!node) return [];
  if (node.properties) return [node];
  return [...(node.oneOf ?? []), ...(node.anyOf ?? [])].filter((variant) => variant.properties !== undefined);
}

/** `(kind: webhook) ` for a union variant told apart by a constant field. */
function variantLabel(node: JsonSchemaNode): string {
  const tag = Object.entries(node.properties ?? {}).find(([, child]) => child.const !== undefined);
  return tag ? `(${tag[0]}: ${String(tag[1].const)}) ` : '';
}

function typeOf(node: JsonSchemaNode): string {
  if (node.enum) return node.enum.map((value) => `\`${JSON.stringify(value)}\``).join(' \\| ');
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (node.anyOf) return node.anyOf.map(typeOf).join(' \\| ');
  const type = Array.isArray(node.type) ? node.type.join(' \\| ') : (node.type ?? 'any');
  if (type === 'array' && node.items) return `${typeOf(node.items)}[]`;
  if ((type === 'integer' || type === 'number') && (node.minimum !== undefined || node.maximum !== undefined)) {
    return `${type} (${node.minimum ?? '…'}–${node.maximum ?? '…'})`;
  }
  return type;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
