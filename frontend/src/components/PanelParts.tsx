/** Pieces every side panel shares: the head with its close button, and the error line. */
import { forwardRef } from "react";
import type { Strings } from "../i18n";

export const PanelHead = forwardRef<HTMLButtonElement, { id: string; title: string; t: Strings; onClose: () => void }>(
  function PanelHead({ id, title, t, onClose }, ref) {
    return (
      <div className="sf-panel-head">
        <h2 id={id}>{title}</h2>
        <button ref={ref} type="button" className="sf-icon-button" onClick={onClose} aria-label={t.close}>
          <svg viewBox="0 0 16 16" aria-hidden="true" className="sf-icon">
            <path d="M4 4l8 8M12 4l-8 8" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
          </svg>
        </button>
      </div>
    );
  },
);

/** An error sentence with a "Try again" link (nothing when there is no error). */
export function PanelError({ error, t, onRetry, small = false }: { error: string | null; t: Strings; onRetry: () => void; small?: boolean }) {
  if (!error) return null;
  return (
    <div className={small ? "sf-error sf-small" : "sf-error"} role="alert">
      {error}{" "}
      <button type="button" className="sf-link" onClick={onRetry}>
        {t.retry}
      </button>
    </div>
  );
}
