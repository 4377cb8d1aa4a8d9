/** The question box: Enter sends, Shift+Enter breaks the line, Stop aborts a streaming answer. */
import { forwardRef, type KeyboardEvent } from "react";
import type { Strings } from "../i18n";

export const Composer = forwardRef<
  HTMLTextAreaElement,
  {
    t: Strings;
    draft: string;
    onDraft: (text: string) => void;
    onSend: () => void;
    onStop: () => void;
    busy: boolean;
    blocked: boolean;
  }
>(function Composer({ t, draft, onDraft, onSend, onStop, busy, blocked }, ref) {
  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      onSend();
    }
  }
  return (
    <form
      className="sf-composer"
      onSubmit={(e) => {
        e.preventDefault();
        onSend();
      }}
    >
      <label htmlFor="sf-composer-input" className="sf-sr-only">
        {t.composerPlaceholder}
      </label>
      <textarea
        id="sf-composer-input"
        ref={ref}
        rows={1}
        value={draft}
        placeholder={t.composerPlaceholder}
        maxLength={2000}
        onChange={(e) => onDraft(e.target.value)}
        onKeyDown={onKeyDown}
        aria-describedby="sf-composer-hint"
      />
      {busy ? (
        <button type="button" className="sf-send sf-stop" onClick={onStop} aria-label={t.stop}>
          <svg viewBox="0 0 16 16" aria-hidden="true" className="sf-icon">
            <rect x="4" y="4" width="8" height="8" rx="1.5" fill="currentColor" />
          </svg>
        </button>
      ) : (
        <button type="submit" className="sf-send" disabled={!draft.trim() || blocked} aria-label={t.send}>
          <svg viewBox="0 0 16 16" aria-hidden="true" className="sf-icon">
            <path d="M8 13V3M3.5 7.5L8 3l4.5 4.5" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
        </button>
      )}
      <p id="sf-composer-hint" className="sf-composer-hint">
        {t.composerHint}
      </p>
    </form>
  );
});
