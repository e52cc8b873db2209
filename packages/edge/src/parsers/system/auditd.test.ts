import { describe } from 'vitest';
import { fixtureTests } from './fixtures.ts';

describe('Linux audit records', () => {
  fixtureTests('auditd.json', 'auditd');
});
