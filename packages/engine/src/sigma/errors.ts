import { defineErrors } from '@vigil/runtime';

/**
 * Detection errors: rules that cannot be loaded, rule tests that cannot run, correlation state
 * that cannot be restored, and a rule that failed on one event. All permanent: retrying the
 * same rules or the same event gives the same answer.
 */
export const detectionErrors = defineErrors({
  VIGIL_ERR_RULES_INVALID: { message: '{count} problem(s) in the Sigma rules:\n{problems}', status: 400, retryable: false },
  VIGIL_ERR_RULES_TEST_INVALID: { message: 'rule test file {file} is invalid: {reason}', status: 400, retryable: false },
  VIGIL_ERR_DETECTION_SNAPSHOT_INVALID: { message: 'detection snapshot cannot be restored: {reason}', status: 400, retryable: false },
  VIGIL_ERR_DETECTION_RULE_FAILED: { message: 'rule {rule} failed on an event: {reason}', status: 500, retryable: false },
});

/** The codes of `detectionErrors`. */
export type DetectionErrorCode = keyof typeof detectionErrors.specs;
