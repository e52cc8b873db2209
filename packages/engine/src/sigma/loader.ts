import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { FieldTable } from './event-context.ts';
import { detectionErrors } from './errors.ts';
import { parsePipelineDocument } from './pipeline/pipeline-document.ts';
import { Pipelines, type Pipeline } from './pipeline/pipeline.ts';
import { parseRuleDocument } from './rule-document.ts';
import { buildRuleset, type Ruleset } from './ruleset.ts';
import type { RuleProblem, SigmaRule } from './types.ts';
import { YamlReader } from './yaml-reader.ts';

/**
 * Loads Sigma rules from directories: every `*.yml` / `*.yaml` below them (rule tests,
 * `*.tests.yml`, are skipped), multi-document files included. Loading never stops at the
 * first problem: it reports every one, each with file, line and column.
 */

/** One rule file's text, named as problems should name it. */
export interface RuleSource {
  readonly file: string;
  readonly text: string;
}

/** Vigil's own pipelines (linux, webserver, proxy, firewall, dns, network_connection, zeek), shipped with the engine. */
export const BUILTIN_PIPELINES_DIR = fileURLToPath(new URL('../../pipelines', import.meta.url));

/** Where rules are read from, and the pipelines that map them to Vigil's events. */
export interface RuleLoadOptions {
  /** Directories of pipeline files (`*.yml`); by default Vigil's own. */
  readonly pipelineDirs?: readonly string[];
  /** More fields a routed hit carries of its event (`Ruleset.shownFields`): the fields the engine's enrichment is configured to read. */
  readonly shownFields?: readonly string[];
}

/**
 * Parses rule sources into a ruleset plus every problem found; rules with problems are left
 * out. `pipelineSources` are processing pipelines (none: field names are used as written and
 * logsources add no conditions).
 */
export function parseRuleSources(sources: readonly RuleSource[], pipelineSources: readonly RuleSource[] = [], shownFields: readonly string[] = []): { ruleset: Ruleset; problems: RuleProblem[] } {
  const problems: RuleProblem[] = [];
  const fields = new FieldTable();
  const pipelines: Pipeline[] = [];
  forEachDocument(pipelineSources, problems, (reader) => {
    const pipeline = parsePipelineDocument(reader, fields);
    if (pipeline) pipelines.push(pipeline);
  });
  const loaded = pipelines.length === 0 ? Pipelines.NONE : new Pipelines(pipelines);
  const rules: SigmaRule[] = [];
  forEachDocument(sources, problems, (reader) => {
    const rule = parseRuleDocument(reader, fields, loaded);
    if (rule) rules.push(rule);
  });
  const ruleset = buildRuleset(rules, fields, problems, shownFields);
  return { ruleset, problems };
}

/** Hands every YAML document of the sources to `each`; YAML errors become problems. */
function forEachDocument(sources: readonly RuleSource[], problems: RuleProblem[], each: (reader: YamlReader) => void): void {
  for (const source of sources) {
    const lines = new LineCounter();
    for (const doc of parseAllDocuments(source.text, { lineCounter: lines, prettyErrors: false }) as Document[]) {
      const error = doc.errors[0];
      if (error) {
        // Later YAML errors in a document are almost always echoes of the first one.
        const { line, col } = lines.linePos(error.pos[0]);
        problems.push({ file: source.file, line, column: col, message: `YAML: ${error.message.split('\n')[0]}` });
        continue;
      }
      if (doc.contents === null) continue;
      each(new YamlReader(source.file, doc, lines, problems));
    }
  }
}

/** Every problem in the rules under `dirs` and in the pipelines (an empty list means they all load). */
export async function lintRules(dirs: string | readonly string[], options: RuleLoadOptions = {}): Promise<RuleProblem[]> {
  const { sources, pipelineSources, problems } = await readRulesAndPipelines(dirs, options);
  return [...problems, ...parseRuleSources(sources, pipelineSources).problems];
}

/** Loads the rules under `dirs` through the pipelines; throws one VIGIL_ERR_RULES_INVALID error listing every problem. */
export async function loadRules(dirs: string | readonly string[], options: RuleLoadOptions = {}): Promise<Ruleset> {
  const { sources, pipelineSources, problems } = await readRulesAndPipelines(dirs, options);
  const parsed = parseRuleSources(sources, pipelineSources, options.shownFields);
  const all = [...problems, ...parsed.problems];
  if (all.length > 0) throw rulesError(all);
  return parsed.ruleset;
}

/** The rule and pipeline files' texts, and the problems reading them. */
export async function readRulesAndPipelines(dirs: string | readonly string[], options: RuleLoadOptions = {}): Promise<{ sources: RuleSource[]; pipelineSources: RuleSource[]; problems: RuleProblem[] }> {
  const rules = await readSources(dirs);
  const pipelines = await readSources(options.pipelineDirs ?? [BUILTIN_PIPELINES_DIR]);
  return { sources: rules.sources, pipelineSources: pipelines.sources, problems: [...rules.problems, ...pipelines.problems] };
}

/** The error that lists rule problems, one `file:line:column: message` per line. */
export function rulesError(problems: readonly RuleProblem[]) {
  return detectionErrors.create('VIGIL_ERR_RULES_INVALID', { count: problems.length, problems: problems.map((p) => `  ${formatProblem(p)}`).join('\n') });
}

/** `file:line:column: message (rule id)`. */
export function formatProblem(problem: RuleProblem): string {
  return `${problem.file}:${problem.line}:${problem.column}: ${problem.message}${problem.rule ? ` [${problem.rule}]` : ''}`;
}

/** True for files the loader reads as rules. */
export function isRuleFile(name: string): boolean {
  return /\.ya?ml$/i.test(name) && !/\.tests\.ya?ml$/i.test(name);
}

/** The rule files under `dirs`, sorted so load order (and so problem order) is stable. */
export async function findRuleFiles(dirs: string | readonly string[]): Promise<{ files: string[]; problems: RuleProblem[] }> {
  const files: string[] = [];
  const problems: RuleProblem[] = [];
  for (const dir of typeof dirs === 'string' ? [dirs] : dirs) {
    try {
      if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
      const entries = await readdir(dir, { recursive: true, withFileTypes: true });
      for (const entry of entries) if (entry.isFile() && isRuleFile(entry.name)) files.push(join(entry.parentPath, entry.name));
    } catch (error) {
      problems.push({ file: dir, line: 1, column: 1, message: `cannot read rules directory: ${(error as Error).message}` });
    }
  }
  return { files: files.sort(), problems };
}

async function readSources(dirs: string | readonly string[]): Promise<{ sources: RuleSource[]; problems: RuleProblem[] }> {
  const { files, problems } = await findRuleFiles(dirs);
  const sources: RuleSource[] = [];
  for (const file of files) {
    try {
      sources.push({ file, text: await readFile(file, 'utf8') });
    } catch (error) {
      problems.push({ file, line: 1, column: 1, message: `cannot read rule file: ${(error as Error).message}` });
    }
  }
  return { sources, problems };
}
