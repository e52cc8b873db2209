import { parseArgs } from 'node:util';
import { BUILTIN_PIPELINES_DIR, BUILTIN_RULES_DIR, formatProblem, formatRuleTestReport, lintRules, runRuleTests } from '@vigil/engine';

const USAGE = 'usage: vigil rules lint|test [--pipelines dir]... [--no-builtin-pipelines] [dir...]';

/**
 * `vigil rules lint [dir...]` reports every problem in the rules and pipelines (not just the
 * first); `vigil rules test [dir...]` runs each rule file's test events. Without directories
 * both work on the built-in pack. Vigil's own pipelines apply unless `--no-builtin-pipelines`;
 * `--pipelines dir` adds more. Exit code 1 when anything fails, 2 on bad usage.
 */
export async function rulesCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { pipelines: { type: 'string', multiple: true, default: [] }, 'no-builtin-pipelines': { type: 'boolean', default: false } } });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const [action, ...dirs] = parsed.positionals;
  const targets = dirs.length > 0 ? dirs : [BUILTIN_RULES_DIR];
  const options = { pipelineDirs: [...(parsed.values['no-builtin-pipelines'] ? [] : [BUILTIN_PIPELINES_DIR]), ...parsed.values.pipelines] };
  if (action === 'lint') {
    const problems = await lintRules(targets, options);
    for (const problem of problems) console.log(formatProblem(problem));
    console.log(problems.length === 0 ? `rules lint: no problems in ${targets.join(', ')}` : `rules lint: ${problems.length} problem(s)`);
    return problems.length === 0 ? 0 : 1;
  }
  if (action === 'test') {
    let passed = true;
    for (const dir of targets) {
      const report = await runRuleTests(dir, options);
      console.log(`${dir}:\n${formatRuleTestReport(report)}`);
      passed &&= report.passed;
    }
    return passed ? 0 : 1;
  }
  console.error(USAGE);
  return 2;
}
