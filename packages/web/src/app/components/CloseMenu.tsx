import { RESOLUTIONS } from '../types.ts';

/** "Close as…": closing an alert asks why (the API's resolutions). */
export function CloseMenu({ disabled, title, onClose }: { disabled: boolean; title?: string | undefined; onClose: (resolution: string) => void }) {
  return (
    <select
      aria-label="Close as"
      data-testid="alert-close"
      value=""
      disabled={disabled}
      title={title}
      onClick={(event) => event.stopPropagation()}
      onChange={(event) => {
        if (event.target.value !== '') onClose(event.target.value);
      }}
    >
      <option value="" disabled>
        Close as…
      </option>
      {RESOLUTIONS.map(([value, label]) => (
        <option key={value} value={value}>
          {label}
        </option>
      ))}
    </select>
  );
}
