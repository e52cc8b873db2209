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

  it('gives an address the asset of the most specific network or address that holds it', () => {
    const table = AssetTable.parse('host,name,owner,criticality\n10.0.0.0/8,Corporate,,low\n10.20.0.0/16,Finance,,high\n10.20.30.40,Payroll,,critical\n', 'assets.csv');
    expect(table.find('10.20.30.40')?.name).toBe('Payroll');
    expect(table.find('10.20.99.1')?.name).toBe('Finance');
    expect(table.find('10.99.0.1')?.name).toBe('Corporate');
    expect(table.find('::ffff:10.20.30.40')?.name).toBe('Payroll');
    expect(table.size).toBe(3);
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
