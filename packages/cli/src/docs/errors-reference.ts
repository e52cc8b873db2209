import type { ErrorRegistry, ErrorCode } from '@vigil/runtime';

/**
 * Renders docs/errors.md from every package's error registry: the code, what it means, the
 * HTTP status and whether retrying can help. A test keeps the file in step with the registries.
 */
export function renderErrorsReference(registries: Record<string, ErrorRegistry<ErrorCode>>): string {
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from the packages\' error registries by `pnpm run docs`; a test fails when this file is stale. -->',
    '',
    'Every error Vigil reports carries a code `VIGIL_ERR_<AREA>_<WHAT>`. API errors answer with',
    '`{"error":{"code","message"}}` and the status below. *Retryable* errors may succeed later (Vigil backs',
    'off and retries without committing); permanent ones send the input to `vigil.dlq` with the reason.',
    '',
  ];
  for (const [owner, registry] of Object.entries(registries).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`## ${owner}`, '', '| code | message | HTTP status | retryable |', '|---|---|---|---|');
    for (const [code, spec] of Object.entries(registry.specs).sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`| \`${code}\` | ${spec.message.replace(/\|/g, '\\|')} | ${spec.status} | ${spec.retryable ? 'yes' : 'no'} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
