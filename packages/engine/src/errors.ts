import { defineErrors } from '@vigil/runtime';
import { backtestErrors } from './backtest/errors.ts';
import { geoipErrors } from './enrich/geoip/errors.ts';
import { intelErrors } from './enrich/intel/errors.ts';
import { notifyErrors } from './notify/errors.ts';
import { detectionErrors } from './sigma/errors.ts';

/** The engine's error codes: the role's own and those of the detection library. */
export const engineErrors = defineErrors({
  ...detectionErrors.specs,
  ...backtestErrors.specs,
  ...geoipErrors.specs,
  ...intelErrors.specs,
  ...notifyErrors.specs,
  VIGIL_ERR_ASSETS_UNREADABLE: { message: 'asset inventory {path} could not be read: {reason}', status: 500, retryable: true },
  VIGIL_ERR_ASSETS_ROW_INVALID: { message: 'asset inventory row {at} skipped: {reason}', status: 422, retryable: false },
  VIGIL_ERR_ENGINE_BAD_EVENT: { message: 'event {position} of batch {sequence} from edge {edgeId} is not a JSON object', status: 422, retryable: false },
  VIGIL_ERR_ENGINE_STATE_UNWRITABLE: { message: 'engine state file could not be written: {reason}', status: 500, retryable: true },
  VIGIL_ERR_ENGINE_BAD_HIT: { message: 'hits-topic message could not be applied: {reason}', status: 422, retryable: false },
  VIGIL_ERR_ENGINE_STATE_BEHIND: {
    message: 'state of hits partition {partition} covers offsets up to {covered}, but the group resumes at {resumed}: the hits between are not in the correlation windows (the state was checkpointed by another instance, or lost)',
    status: 500,
    retryable: false,
  },
  VIGIL_ERR_ENGINE_STATE_UNREADABLE: { message: 'engine state file {path} is unreadable ({reason}); starting with empty state', status: 500, retryable: false },
});
