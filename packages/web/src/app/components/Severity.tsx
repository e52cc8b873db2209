import type { Severity as SeverityName } from '../types.ts';

export function Severity({ level }: { level: SeverityName }) {
  return (
    <span className={`sev sev-${level}`} data-testid="alert-severity">
      {level}
    </span>
  );
}
