import { BUILTIN_RULES_DIR, formatProblem, formatRuleTestReport, lintRules, runRuleTests } from '@vigil/engine';

/**
 * `vigil rules lint [dir...]` reports every problem in the rules (not just the first);
 * `vigil rules test [dir...]` runs each rule file's test events. Without directories both
 * work on the built-in pack. Exit code 1 when anything fails.
 */
export async function rulesCommand(args: string[]): Promise<number> {
  const [action, ...dirs] = args;
  const targets = dirs.length > 0 ? dirs : [BUILTIN_RULES_DIR];
  if (action === 'lint') {
    const problems = await lintRules(targets);
    for (const problem of problems) console.log(formatProblem(problem));
    console.log(problems.length === 0 ? `rules lint: no problems in ${targets.join(', ')}` : `rules lint: ${problems.length} problem(s)`);
    return problems.length === 0 ? 0 : 1;
  }
  if (action === 'test') {
    let passed = true;
    for (const dir of targets) {
      const report = await runRuleTests(dir);
      console.log(`${dir}:\n${formatRuleTestReport(report)}`);
      passed &&= report.passed;
    }
    return passed ? 0 : 1;
  }
  console.error('usage: vigil rules lint [dir...] | vigil rules test [dir...]');
  return 2;
}
