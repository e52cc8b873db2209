import { describe } from 'vitest';
import { fixtureTests } from './fixtures.ts';

describe('cron', () => {
  fixtureTests('cron.json', 'cron');
});
