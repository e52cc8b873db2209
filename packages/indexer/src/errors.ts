import { defineErrors } from '@vigil/runtime';

export const indexerErrors = defineErrors({
  VIGIL_ERR_INDEXER_BAD_EVENT: { message: 'event {position} of batch {sequence} from edge {edgeId} is not valid JSON', status: 422, retryable: false },
  VIGIL_ERR_INDEXER_BAD_ALERT: { message: 'alert message is not a valid alert document: {reason}', status: 422, retryable: false },
});
