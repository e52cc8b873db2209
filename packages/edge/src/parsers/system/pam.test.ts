import { describe } from 'vitest';
import { fixtureTests } from './fixtures.ts';

describe('pam', () => {
  fixtureTests('pam.json', 'pam_unix');
});
