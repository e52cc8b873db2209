import type { Alert } from '@vigil/schema';

/**
 * MITRE ATT&CK from Sigma tags: `attack.t1110` → technique `T1110`, `attack.t1110.001` →
 * sub-technique `T1110.001`, `attack.credential_access` → tactic TA0006 "Credential Access".
 */

/** Enterprise ATT&CK tactics by their Sigma tag name. */
export const ATTACK_TACTICS: Readonly<Record<string, { id: string; name: string }>> = {
  reconnaissance: { id: 'TA0043', name: 'Reconnaissance' },
  resource_development: { id: 'TA0042', name: 'Resource Development' },
  initial_access: { id: 'TA0001', name: 'Initial Access' },
  execution: { id: 'TA0002', name: 'Execution' },
  persistence: { id: 'TA0003', name: 'Persistence' },
  privilege_escalation: { id: 'TA0004', name: 'Privilege Escalation' },
  defense_evasion: { id: 'TA0005', name: 'Defense Evasion' },
  credential_access: { id: 'TA0006', name: 'Credential Access' },
  discovery: { id: 'TA0007', name: 'Discovery' },
  lateral_movement: { id: 'TA0008', name: 'Lateral Movement' },
  collection: { id: 'TA0009', name: 'Collection' },
  command_and_control: { id: 'TA0011', name: 'Command and Control' },
  exfiltration: { id: 'TA0010', name: 'Exfiltration' },
  impact: { id: 'TA0040', name: 'Impact' },
};

/** The alert's `threat` block for a rule's tags, or undefined when it has no ATT&CK tags. */
export function threatFromTags(tags: readonly string[]): Alert['threat'] {
  const techniques: string[] = [];
  const tacticIds: string[] = [];
  const tacticNames: string[] = [];
  for (const tag of tags) {
    const lower = tag.toLowerCase();
    if (!lower.startsWith('attack.')) continue;
    const value = lower.slice('attack.'.length);
    const technique = /^t(\d{4})(?:\.(\d{3}))?$/.exec(value);
    if (technique) {
      const id = `T${technique[1]}${technique[2] ? `.${technique[2]}` : ''}`;
      if (!techniques.includes(id)) techniques.push(id);
      continue;
    }
    const tactic = ATTACK_TACTICS[value.replaceAll('-', '_')];
    if (tactic && Object.hasOwn(ATTACK_TACTICS, value.replaceAll('-', '_')) && !tacticIds.includes(tactic.id)) {
      tacticIds.push(tactic.id);
      tacticNames.push(tactic.name);
    }
  }
  if (techniques.length === 0 && tacticIds.length === 0) return undefined;
  return {
    framework: 'MITRE ATT&CK',
    ...(tacticIds.length > 0 ? { tactic: { id: tacticIds, name: tacticNames } } : {}),
    technique: { id: techniques },
  };
}
