import { describe, expect, it } from 'vitest';
import { parseRuleSources } from './loader.ts';

const SEARCHES = `
  sel_failed:
    event.outcome: failure
  sel_sshd:
    process.name: sshd
  sel_root:
    user.name: root
  filter_lan:
    source.ip|cidr: 192.168.0.0/16
  _helper:
    event.action: ssh_disconnect`;

/** A matcher for `condition` over the shared search identifiers above. */
function condition(text: string): (event: unknown) => boolean {
  const yaml = `title: condition\nid: condition-rule\nlogsource: {product: linux}\ndetection:${SEARCHES}\n  condition: ${text}\n`;
  const { ruleset, problems } = parseRuleSources([{ file: 'condition.yml', text: yaml }]);
  expect(problems).toEqual([]);
  const ctx = ruleset.createContext();
  return (event) => {
    ctx.reset(event);
    return ruleset.detections[0]!.matcher(ctx);
  };
}

const event = (outcome: string, user: string, ip = '203.0.113.7', action = 'ssh_login') => ({
  event: { outcome, action },
  process: { name: 'sshd' },
  user: { name: user },
  source: { ip },
});
const rootFailure = event('failure', 'root');
const aliceFailure = event('failure', 'alice');
const rootSuccess = event('success', 'root');
const lanRootFailure = event('failure', 'root', '192.168.1.20');

describe('condition language', () => {
  it('and, or, not', () => {
    expect(condition('sel_failed and sel_root')(rootFailure)).toBe(true);
    expect(condition('sel_failed and sel_root')(aliceFailure)).toBe(false);
    expect(condition('sel_failed or sel_root')(rootSuccess)).toBe(true);
    expect(condition('sel_failed and not filter_lan')(lanRootFailure)).toBe(false);
    expect(condition('not sel_failed')(rootSuccess)).toBe(true);
  });

  it('binds not tighter than and, and and tighter than or', () => {
    // sel_root or (sel_failed and not sel_sshd): true for any root event
    expect(condition('sel_root or sel_failed and not sel_sshd')(rootSuccess)).toBe(true);
    // (not sel_failed) and sel_root: false for a failure
    expect(condition('not sel_failed and sel_root')(rootFailure)).toBe(false);
    expect(condition('not not sel_root')(rootFailure)).toBe(true);
  });

  it('parentheses override precedence', () => {
    expect(condition('(sel_root or sel_failed) and not sel_sshd')(rootSuccess)).toBe(false);
    expect(condition('not (sel_failed and sel_root)')(aliceFailure)).toBe(true);
    expect(condition('((sel_failed) and ((sel_root)))')(rootFailure)).toBe(true);
  });

  it('1 of and all of a pattern', () => {
    expect(condition('all of sel_*')(rootFailure)).toBe(true);
    expect(condition('all of sel_*')(aliceFailure)).toBe(false);
    expect(condition('1 of sel_* and not 1 of filter_*')(aliceFailure)).toBe(true);
    expect(condition('1 of sel_* and not 1 of filter_*')(lanRootFailure)).toBe(false);
  });

  it('them means every identifier except those starting with an underscore', () => {
    const disconnect = { ...rootFailure, event: { outcome: 'failure', action: 'ssh_disconnect' } };
    expect(condition('1 of them')(aliceFailure)).toBe(true);
    expect(condition('all of them')(rootFailure)).toBe(false);
    expect(condition('all of them')(event('failure', 'root', '192.168.1.9'))).toBe(true);
    expect(condition('all of them')({ ...disconnect, source: { ip: '192.168.1.9' } })).toBe(true);
    expect(condition('1 of _helper')(disconnect)).toBe(true);
  });

  it('accepts upper-case keywords and a list of conditions as alternatives', () => {
    expect(condition('sel_failed AND NOT sel_root')(aliceFailure)).toBe(true);
    expect(condition('[sel_root, filter_lan]')(event('success', 'bob', '192.168.0.3'))).toBe(true);
  });
});

describe('bad conditions are load errors with the column of the problem', () => {
  const problemsOf = (text: string) => {
    const yaml = `title: bad\nid: bad-rule\nlogsource: {product: linux}\ndetection:${SEARCHES}\n  condition: ${text}\n`;
    return parseRuleSources([{ file: 'bad.yml', text: yaml }]).problems;
  };
  const conditionLine = SEARCHES.split('\n').length + 4;

  it.each([
    ['sel_failed and', 'expected a search identifier but the condition ended', 28],
    ['sel_failed or or sel_root', "expected a search identifier but found 'or'", 28],
    ['(sel_failed and sel_root', "expected ')' but the condition ended", 38],
    ['sel_failed sel_root', "unexpected 'sel_root'", 25],
    ['sel_unknown', "unknown search identifier 'sel_unknown'", 14],
    ['1 of nothing_*', "'nothing_*' matches no search identifier", 14],
    ['2 of sel_*', "'2 of' is not supported; use '1 of' or 'all of'", 14],
    ['sel_failed | count() by source.ip > 10', "aggregations ('| count() ...') are not supported; write a Sigma correlation rule", 25],
  ])('%s', (text, message, column) => {
    expect(problemsOf(text)).toEqual([{ file: 'bad.yml', line: conditionLine, column, rule: 'bad-rule', message: `bad condition: ${message}` }]);
  });
});
