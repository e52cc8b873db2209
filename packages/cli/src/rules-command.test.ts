import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { rulesCommand } from './rules-command.ts';

const RULE = `title: Tool upload
id: 0b5c7a3e-8a51-4f0e-9a55-3f1d2f9c6a10
name: tool_upload
logsource: {product: acme, service: uploads}
detection:
  select:
    UploadName|endswith: .elf
  condition: select
`;

const TESTS = `tests:
  - name: an ELF upload fires
    events:
      - {'@timestamp': '2026-11-25T10:00:00Z', event: {kind: event, module: acme}, file: {name: payload.elf}}
    expect: {matches: 1}
  - name: the same upload from another product does not
    events:
      - {'@timestamp': '2026-11-25T10:00:00Z', event: {kind: event, module: other}, file: {name: payload.elf}}
    expect: {matches: 0}
`;

const PIPELINE = `name: acme
priority: 50
transformations:
  - type: field_name_mapping
    mapping: {UploadName: file.name}
    rule_conditions: [{type: logsource, product: acme}]
  - type: add_condition
    conditions: {event.module: acme}
    rule_conditions: [{type: logsource, product: acme}]
`;

describe('vigil rules', () => {
  let dir: string;
  let output: string[];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-rules-command-'));
    await mkdir(join(dir, 'rules', 'tests'), { recursive: true });
    await mkdir(join(dir, 'pipelines'));
    await writeFile(join(dir, 'rules', 'tool_upload.yml'), RULE);
    await writeFile(join(dir, 'rules', 'tests', 'tool_upload.tests.yml'), TESTS);
    await writeFile(join(dir, 'pipelines', 'acme.yml'), PIPELINE);
    output = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void output.push(line));
    vi.spyOn(console, 'error').mockImplementation((line: string) => void output.push(line));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it('tests rules through the pipelines given with --pipelines', async () => {
    expect(await rulesCommand(['test', '--pipelines', join(dir, 'pipelines'), join(dir, 'rules')])).toBe(0);
    expect(output.join('\n')).toContain('2/2 rule tests passed');
  });

  it('fails the same tests without the pipeline: the field is not mapped and the condition is missing', async () => {
    expect(await rulesCommand(['test', join(dir, 'rules')])).toBe(1);
    expect(output.join('\n')).toContain('1/2 rule tests passed');
  });

  it('lints pipelines too, naming file and line', async () => {
    await writeFile(join(dir, 'pipelines', 'bad.yml'), 'name: bad\ntransformations:\n  - type: replace_string\n');
    expect(await rulesCommand(['lint', '--pipelines', join(dir, 'pipelines'), join(dir, 'rules')])).toBe(1);
    expect(output).toContain(`${join(dir, 'pipelines', 'bad.yml')}:3:11: transformation type 'replace_string' is not supported (Vigil supports field_name_mapping, field_name_prefix_mapping, add_condition) [bad]`);
  });

  it('answers a bad option with the usage', async () => {
    expect(await rulesCommand(['lint', '--pipeline', 'x'])).toBe(2);
    expect(output.join('\n')).toContain('usage: vigil rules lint|test');
  });
});
