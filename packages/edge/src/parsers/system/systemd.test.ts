import { describe } from 'vitest';
import { fixtureTests } from './fixtures.ts';

describe('systemd', () => {
  fixtureTests('systemd.json', 'systemd');
});
