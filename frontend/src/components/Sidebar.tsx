/** The conversation list: new chat, and every stored conversation (most recent first). */
import type { ConversationSummary } from "../api/types";
import type { Lang, Strings } from "../i18n";
import { PanelError } from "./PanelParts";

function relativeTime(iso: string, lang: Lang, t: Strings): string {
  const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  if (Math.abs(seconds) < 60) return t.justNow;
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
  ];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return t.justNow;
}

export function Sidebar({
  lang,
  t,
  conversations,
  error,
  currentId,
  onNewChat,
  onOpen,
  onRetry,
}: {
  lang: Lang;
  t: Strings;
  conversations: ConversationSummary[] | null;
  error: string | null;
  currentId: string | null;
  onNewChat: () => void;
  onOpen: (id: string) => void;
  onRetry: () => void;
}) {
  return (
    <nav className="sf-sidebar" aria-label={t.conversations}>
      <button type="button" className="sf-primary sf-new-chat" onClick={onNewChat}>
        <svg viewBox="0 0 16 16" aria-hidden="true" className="sf-icon">
          <path d="M8 3v10M3 8h10" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
        </svg>
        {t.newChat}
      </button>
      <h2 className="sf-side-title">{t.conversations}</h2>
      <PanelError error={error} t={t} onRetry={onRetry} small />
      {!conversations && !error && <p className="sf-muted sf-small">{t.loadingConversations}</p>}
      {conversations && conversations.length === 0 && <p className="sf-muted sf-small">{t.noConversations}</p>}
      {conversations && conversations.length > 0 && (
        <ul className="sf-conversations">
          {conversations.map((c) => (
            <li key={c.id}>
              <button
                type="button"
                className={c.id === currentId ? "sf-current" : undefined}
                aria-current={c.id === currentId ? "true" : undefined}
                onClick={() => onOpen(c.id)}
              >
                <span className="sf-conv-title">{c.title}</span>
                <span className="sf-conv-meta">
                  {relativeTime(c.updated_at, lang, t)} · {t.messages(c.message_count)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
