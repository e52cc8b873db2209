import { describe } from 'vitest';
import { fixtureTests } from './fixtures.ts';

describe('su', () => {
  fixtureTests('su.json', 'su');
});
