import { describe } from 'vitest';
import { fixtureTests } from './fixtures.ts';

describe('account management (shadow-utils)', () => {
  fixtureTests('accounts.json', 'accounts');
});
