import { describe } from 'vitest';
import { fixtureTests } from './fixtures.ts';

describe('sudo', () => {
  fixtureTests('sudo.json', 'sudo');
});
