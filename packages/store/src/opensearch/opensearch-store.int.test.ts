import { runStoreContract } from '../contract/store-contract.ts';
import { createOpenSearchStore } from './opensearch-store.ts';
import { dropPrefix, openSearchUrl, testOptions, uniquePrefix } from './test-helpers.ts';

const url = openSearchUrl();

runStoreContract('opensearch', async () => {
  const prefix = uniquePrefix();
  const store = await createOpenSearchStore(testOptions(url, prefix));
  return {
    store,
    cleanup: async () => {
      await store.close();
      await dropPrefix(url, prefix);
    },
  };
});
