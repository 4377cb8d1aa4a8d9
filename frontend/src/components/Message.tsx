/** One chat bubble: the user's question (unknown words marked) or an answer with its extras. */
import { toolLabel, type Lang, type Strings } from "../i18n";
import type { ChatMessage } from "../lib/chatMessage";
import { Markdown } from "../lib/markdown";
import { markTerms, UnknownTerm } from "../lib/terms";
import { SeriesChart, seriesFromSources } from "./SeriesChart";
import { Sources } from "./Sources";

export type { ChatMessage } from "../lib/chatMessage";

interface MessageProps {
  message: ChatMessage;
  lang: Lang;
  t: Strings;
  currency: string;
  isLast: boolean;
  onSuggestion: (text: string) => void;
  onRetry: (message: ChatMessage) => void;
  busy: boolean;
}

export function MessageView(props: MessageProps) {
  return props.message.role === "user" ? <Question message={props.message} t={props.t} /> : <Answer {...props} />;
}

function Question({ message, t }: { message: ChatMessage; t: Strings }) {
  return (
    <li className="sf-msg sf-msg-user" data-testid="user-message">
      <div className="sf-bubble">
        {markTerms(message.content, message.unknownTerms, (word, key) => (
          <UnknownTerm key={key} word={word} title={t.notUnderstood} />
        ))}
      </div>
    </li>
  );
}

function Thinking({ message, lang, t }: { message: ChatMessage; lang: Lang; t: Strings }) {
  return (
    <p className="sf-thinking" role="status">
      <span className="sf-dots" aria-hidden="true">
        <i />
        <i />
        <i />
      </span>
      {message.activeTool ? t.usingTool(toolLabel(lang, message.activeTool)) : t.thinking}
    </p>
  );
}

function FollowUps({ suggestions, t, busy, onSuggestion }: { suggestions: string[]; t: Strings; busy: boolean; onSuggestion: (s: string) => void }) {
  return (
    <div className="sf-followups">
      <span className="sf-mini-title">{t.followUps}</span>
      <div className="sf-chip-row">
        {suggestions.map((s) => (
          <button key={s} type="button" className="sf-chip" disabled={busy} onClick={() => onSuggestion(s)}>
            {s}
          </button>
        ))}
      </div>
    </div>
  );
}

function Answer({ message, lang, t, currency, isLast, onSuggestion, onRetry, busy }: MessageProps) {
  const done = message.state === "done";
  const series = done ? seriesFromSources(message.sources) : null;
  const waiting = message.state === "pending" || (message.state === "streaming" && !message.content);
  const reading = message.interpretation?.text;
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
        {reading && (
          <p className="sf-interpretation" data-testid="interpretation" title={reading}>
            {t.answered(reading)}
          </p>
        )}
        {waiting && <Thinking message={message} lang={lang} t={t} />}
        {message.content && <Markdown text={message.content} t={t} />}
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
        {series && <SeriesChart points={series.points} grain={series.grain} lang={lang} t={t} currency={currency} />}
        {message.fallback && done && <p className="sf-muted sf-small">{t.fallbackNote}</p>}
        {done && <Sources sources={message.sources} lang={lang} t={t} />}
        {isLast && done && message.suggestions.length > 0 && (
          <FollowUps suggestions={message.suggestions} t={t} busy={busy} onSuggestion={onSuggestion} />
        )}
      </div>
    </li>
  );
}
