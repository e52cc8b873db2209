import { defineErrors } from '@vigil/runtime';

/** Backtest errors: a request naming rules that are not loaded. */
export const backtestErrors = defineErrors({
  VIGIL_ERR_BACKTEST_UNKNOWN_RULE: { message: 'unknown rule(s) {rules}: no loaded rule has this id or name', status: 400, retryable: false },
});
