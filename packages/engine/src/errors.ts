import { defineErrors } from '@vigil/runtime';
import { detectionErrors } from './sigma/errors.ts';

/** The engine's error codes: the role's own and those of the detection library. */
export const engineErrors = defineErrors({
  ...detectionErrors.specs,
  VIGIL_ERR_ENGINE_BAD_EVENT: { message: 'event {position} of batch {sequence} from edge {edgeId} is not a JSON object', status: 422, retryable: false },
  VIGIL_ERR_ENGINE_STATE_UNWRITABLE: { message: 'engine state file could not be written: {reason}', status: 500, retryable: true },
  VIGIL_ERR_ENGINE_STATE_UNREADABLE: { message: 'engine state file {path} is unreadable ({reason}); starting with empty state', status: 500, retryable: false },
});
