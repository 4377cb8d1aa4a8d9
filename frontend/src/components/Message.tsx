import type { ApiError } from "../api/client";
import type { Source } from "../api/types";
import { toolLabel, type Lang, type Strings } from "../i18n";
import { Markdown } from "../lib/markdown";
import { SeriesChart, seriesFromSources } from "./SeriesChart";
import { Sources } from "./Sources";

export interface ChatMessage {
  id: string;
  role: "user" | "assistant";
  content: string;
  sources: Source[];
  suggestions: string[];
  /** streaming: tools being called / text arriving; done; failed */
  state: "pending" | "streaming" | "done" | "error";
  activeTool: string | null;
  error: ApiError | null;
  errorText: string | null;
  fallback: boolean;
  /** The question this answer belongs to (for "Try again"). */
  question?: string;
}

export function MessageView({
  message,
  lang,
  t,
  isLast,
  onSuggestion,
  onRetry,
  busy,
}: {
  message: ChatMessage;
  lang: Lang;
  t: Strings;
  isLast: boolean;
  onSuggestion: (text: string) => void;
  onRetry: (message: ChatMessage) => void;
  busy: boolean;
}) {
  if (message.role === "user") {
    return (
      <li className="sf-msg sf-msg-user" data-testid="user-message">
        <div className="sf-bubble">{message.content}</div>
      </li>
    );
  }
  const series = message.state === "done" ? seriesFromSources(message.sources) : null;
  const waiting = message.state === "pending" || (message.state === "streaming" && !message.content);
  return (
    <li
      className={`sf-msg sf-msg-assistant${message.state === "error" ? " sf-msg-error" : ""}`}
      data-testid="assistant-message"
      data-state={message.state}
      aria-busy={message.state === "pending" || message.state === "streaming"}
    >
      <div className="sf-avatar" aria-hidden="true">
        SF
      </div>
      <div className="sf-answer">
        {waiting && (
          <p className="sf-thinking" role="status">
            <span className="sf-dots" aria-hidden="true">
              <i />
              <i />
              <i />
            </span>
            {message.activeTool ? t.usingTool(toolLabel(lang, message.activeTool)) : t.thinking}
          </p>
        )}
        {message.content && <Markdown text={message.content} />}
        {message.state === "streaming" && message.content && <span className="sf-caret" aria-hidden="true" />}
        {message.state === "error" && (
          <div className="sf-error" role="alert" data-kind={message.error?.kind}>
            <span>{message.errorText}</span>
            {message.question && message.error?.kind !== "unauthorized" && (
              <button type="button" className="sf-link" disabled={busy} onClick={() => onRetry(message)}>
                {t.retry}
              </button>
            )}
          </div>
        )}
        {series && <SeriesChart points={series.points} grain={series.grain} lang={lang} t={t} />}
        {message.fallback && message.state === "done" && <p className="sf-muted sf-small">{t.fallbackNote}</p>}
        {message.state === "done" && <Sources sources={message.sources} lang={lang} t={t} />}
        {isLast && message.state === "done" && message.suggestions.length > 0 && (
          <div className="sf-followups">
            <span className="sf-mini-title">{t.followUps}</span>
            <div className="sf-chip-row">
              {message.suggestions.map((s) => (
                <button key={s} type="button" className="sf-chip" disabled={busy} onClick={() => onSuggestion(s)}>
                  {s}
                </button>
              ))}
            </div>
          </div>
        )}
      </div>
    </li>
  );
}
