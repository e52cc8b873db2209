import { describe, expect, it } from 'vitest';
import { AssetTable } from './asset-inventory.ts';

const CSV = `host,name,owner,criticality
web-1,Public web frontend,web-team@example.com,critical
192.0.2.10,Payroll database,finance-it@example.com,high
198.51.100.0/24,Branch office LAN,,low
"db-2, replica",Replica,dba@example.com,medium
laptop-7,,,urgent
,,,low
10.0.0.0/40,Bad network,,low
`;

describe('asset inventory', () => {
  it('finds assets by host name (any case), exact address and network', () => {
    const table = AssetTable.parse(CSV, 'assets.csv');
    expect(table.find('WEB-1')).toEqual({ name: 'Public web frontend', owner: 'web-team@example.com', criticality: 'critical' });
    expect(table.find('192.0.2.10')).toEqual({ name: 'Payroll database', owner: 'finance-it@example.com', criticality: 'high' });
    expect(table.find('198.51.100.77')).toEqual({ name: 'Branch office LAN', owner: undefined, criticality: 'low' });
    expect(table.find('db-2, replica')?.criticality).toBe('medium');
    expect(table.find('192.0.2.11')).toBeUndefined();
    expect(table.find('unknown-host')).toBeUndefined();
  });

  it('skips bad rows with their line and why, keeping the rest', () => {
    const table = AssetTable.parse(CSV, 'assets.csv');
    expect(table.problems).toEqual([
      { at: 'assets.csv:6', message: 'criticality must be one of low, medium, high, critical, not "urgent"' },
      { at: 'assets.csv:7', message: 'no host' },
      { at: 'assets.csv:8', message: '"10.0.0.0/40" is not a network' },
    ]);
    expect(table.size).toBe(4);
  });

  it('reads the same inventory as JSON', () => {
    const table = AssetTable.parse(JSON.stringify([{ host: 'web-1', owner: 'web-team@example.com', criticality: 'High' }, { host: 'x' }]), 'assets.json');
    expect(table.find('web-1')).toEqual({ name: 'web-1', owner: 'web-team@example.com', criticality: 'high' });
    expect(table.problems).toEqual([{ at: 'assets.json entry 2', message: 'criticality must be one of low, medium, high, critical, not ""' }]);
  });
});
