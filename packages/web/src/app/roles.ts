import type { WhoAmI } from './types.ts';

/** Whether the signed-in principal may change alerts (the API enforces it; the UI only disables what would fail). */
export function canTriage(me: WhoAmI): boolean {
  return me.role === 'admin' || me.role === 'analyst';
}

export const NO_TRIAGE = 'Your role may not change alerts';
