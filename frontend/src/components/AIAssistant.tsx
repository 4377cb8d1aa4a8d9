/**
 * <AIAssistant />: SoleFlip's chat assistant. Embed it in any React app:
 *
 *   <AIAssistant apiBaseUrl="https://api.soleflip.example" token={jwt} onUnauthorized={logout} />
 *
 * Without a `token` prop it shows its own sign-in form (and, with `storageKey`, remembers the
 * token in localStorage). Answers stream from /ai/query/stream and /ai/conversation/stream.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { ApiClient, ApiError } from "../api/client";
import {
  SUGGESTION_CATEGORIES,
  type ConversationSummary,
  type StoredMessage,
  type SuggestionCategory,
} from "../api/types";
import { browserLanguage, STRINGS, type Lang, type Strings } from "../i18n";
import { Login } from "./Login";
import { Logo } from "./Logo";
import { MemoryPanel } from "./MemoryPanel";
import { MessageView, type ChatMessage } from "./Message";

export interface AIAssistantProps {
  /** Base URL of the SoleFlip API ("" = same origin). */
  apiBaseUrl?: string;
  /** A bearer token from the host app; when given, the sign-in form is never shown. */
  token?: string | null;
  /** Called with the new token after sign-in, and with null after sign-out or expiry. */
  onTokenChange?: (token: string | null) => void;
  /** Called on a 401 when the host app owns the token. */
  onUnauthorized?: () => void;
  /** Fix the UI language; otherwise the browser's language, switchable in the header. */
  language?: Lang;
  /** Keep the signed-in token (and language choice) in localStorage under this key. */
  storageKey?: string;
  /** Offer the demo account on the sign-in form. */
  showDemoLogin?: boolean;
  /** Hide the sign-out button (when the host app manages the session). */
  hideSignOut?: boolean;
  className?: string;
  fetchImpl?: typeof fetch;
}

let nextId = 0;
const newId = () => `m${Date.now().toString(36)}${(nextId++).toString(36)}`;

function readStorage(key: string | undefined): string | null {
  if (!key) return null;
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStorage(key: string | undefined, value: string | null) {
  if (!key) return;
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    /* private mode: nothing to keep */
  }
}

function fromStored(m: StoredMessage): ChatMessage {
  return {
    id: `s${m.id}`,
    role: m.role === "user" ? "user" : "assistant",
    content: m.content,
    sources: m.sources ?? [],
    suggestions: [],
    state: "done",
    activeTool: null,
    error: null,
    errorText: null,
    fallback: false,
  };
}

function relativeTime(iso: string, lang: Lang, t: Strings): string {
  const then = new Date(iso).getTime();
  const seconds = Math.round((then - Date.now()) / 1000);
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

export function AIAssistant({
  apiBaseUrl = "",
  token: tokenProp,
  onTokenChange,
  onUnauthorized,
  language,
  storageKey,
  showDemoLogin = false,
  hideSignOut = false,
  className,
  fetchImpl,
}: AIAssistantProps) {
  const controlled = tokenProp !== undefined;
  const [ownToken, setOwnToken] = useState<string | null>(() => readStorage(storageKey));
  const token = controlled ? tokenProp ?? null : ownToken;
  const tokenRef = useRef(token);
  tokenRef.current = token;

  const [chosenLang, setChosenLang] = useState<Lang>(() => {
    const saved = readStorage(storageKey ? `${storageKey}.lang` : undefined);
    return saved === "de" || saved === "en" ? saved : browserLanguage();
  });
  const lang: Lang = language ?? chosenLang;
  const t = STRINGS[lang];

  const api = useMemo(
    () => new ApiClient({ baseUrl: apiBaseUrl, getToken: () => tokenRef.current, fetchImpl }),
    [apiBaseUrl, fetchImpl],
  );

  const [loginNotice, setLoginNotice] = useState<string | null>(null);
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [conversationId, setConversationId] = useState<string | null>(null);
  const [conversations, setConversations] = useState<ConversationSummary[] | null>(null);
  const [conversationsError, setConversationsError] = useState<string | null>(null);
  const [draft, setDraft] = useState("");
  const [busy, setBusy] = useState(false);
  const [category, setCategory] = useState<SuggestionCategory>("inventory");
  const [suggestions, setSuggestions] = useState<Partial<Record<SuggestionCategory, string[]>>>({});
  const [suggestionsError, setSuggestionsError] = useState<string | null>(null);
  const [memoryOpen, setMemoryOpen] = useState(false);
  const [memoryRefresh, setMemoryRefresh] = useState(0);
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [online, setOnline] = useState(() => (typeof navigator === "undefined" ? true : navigator.onLine !== false));
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [loadingConversation, setLoadingConversation] = useState(false);

  const composerRef = useRef<HTMLTextAreaElement>(null);
  const memoryButtonRef = useRef<HTMLButtonElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const abortRef = useRef<AbortController | null>(null);

  const waitSeconds = retryAt ? Math.max(0, Math.ceil((retryAt - now) / 1000)) : 0;
  const rateLimited = waitSeconds > 0;

  // --- session ---------------------------------------------------------------------------------

  const setToken = useCallback(
    (value: string | null) => {
      if (!controlled) {
        setOwnToken(value);
        writeStorage(storageKey, value);
      }
      onTokenChange?.(value);
    },
    [controlled, onTokenChange, storageKey],
  );

  const resetChat = useCallback(() => {
    abortRef.current?.abort();
    setMessages([]);
    setConversationId(null);
    setConversations(null);
    setSuggestions({});
  }, []);

  const expireSession = useCallback(() => {
    resetChat();
    setMemoryOpen(false);
    setLoginNotice(STRINGS[lang].sessionExpired);
    setToken(null);
    onUnauthorized?.();
  }, [lang, onUnauthorized, resetChat, setToken]);

  /** A user-facing sentence for an error; 401 signs out, 429 starts the countdown. */
  const describe = useCallback(
    (error: unknown): string => {
      const tt = STRINGS[lang];
      if (!(error instanceof ApiError)) return tt.errGeneric(String((error as Error)?.message ?? error));
      switch (error.kind) {
        case "unauthorized":
          expireSession();
          return tt.sessionExpired;
        case "rate_limited": {
          const seconds = error.retryAfter ?? 30;
          setRetryAt(Date.now() + seconds * 1000);
          setNow(Date.now());
          return tt.errRateLimited(seconds);
        }
        case "offline":
          return tt.errOffline;
        case "unreachable":
          return tt.errUnreachable;
        case "unavailable":
          return `${tt.errUnavailable} ${error.message}`;
        default:
          return tt.errGeneric(error.message);
      }
    },
    [expireSession, lang],
  );

  async function login(email: string, password: string): Promise<string | null> {
    try {
      const access = await api.login(email, password);
      setLoginNotice(null);
      setToken(access);
      return null;
    } catch (error) {
      if (error instanceof ApiError && (error.kind === "unauthorized" || error.kind === "validation")) return t.badLogin;
      if (error instanceof ApiError && error.kind === "rate_limited") return t.errRateLimited(error.retryAfter);
      if (error instanceof ApiError && error.kind === "offline") return t.errOffline;
      if (error instanceof ApiError && error.kind === "unreachable") return t.errUnreachable;
      return t.errGeneric(error instanceof Error ? error.message : String(error));
    }
  }

  function signOut() {
    resetChat();
    setMemoryOpen(false);
    setLoginNotice(null);
    setToken(null);
  }

  // --- effects -----------------------------------------------------------------------------------

  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener("online", up);
    window.addEventListener("offline", down);
    return () => {
      window.removeEventListener("online", up);
      window.removeEventListener("offline", down);
    };
  }, []);

  useEffect(() => {
    if (!retryAt) return;
    const timer = window.setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= retryAt) {
        setRetryAt(null);
        window.clearInterval(timer);
      }
    }, 250);
    return () => window.clearInterval(timer);
  }, [retryAt]);

  const loadConversations = useCallback(async () => {
    if (!tokenRef.current) return;
    try {
      const page = await api.conversations();
      setConversations(page.items);
      setConversationsError(null);
    } catch (error) {
      setConversationsError(describe(error));
    }
  }, [api, describe]);

  useEffect(() => {
    if (token) {
      void loadConversations();
      composerRef.current?.focus();
    }
  }, [token, loadConversations]);

  useEffect(() => {
    if (!token || suggestions[category]) return;
    let cancelled = false;
    setSuggestionsError(null);
    api
      .suggestions(category)
      .then((r) => !cancelled && setSuggestions((s) => ({ ...s, [category]: r.suggestions })))
      .catch((e) => !cancelled && setSuggestionsError(describe(e)));
    return () => {
      cancelled = true;
    };
  }, [api, category, describe, suggestions, token]);

  useEffect(() => {
    const el = scrollRef.current;
    if (el && stickToBottom.current) el.scrollTop = el.scrollHeight;
  }, [messages]);

  useEffect(() => () => abortRef.current?.abort(), []);

  // --- asking ------------------------------------------------------------------------------------

  const patch = (id: string, change: Partial<ChatMessage> | ((m: ChatMessage) => Partial<ChatMessage>)) =>
    setMessages((list) => list.map((m) => (m.id === id ? { ...m, ...(typeof change === "function" ? change(m) : change) } : m)));

  async function ask(text: string, replaceFrom?: string) {
    const question = text.trim();
    if (!question || busy || rateLimited || !token) return;
    const assistantId = newId();
    const userMessage: ChatMessage = {
      id: newId(),
      role: "user",
      content: question,
      sources: [],
      suggestions: [],
      state: "done",
      activeTool: null,
      error: null,
      errorText: null,
      fallback: false,
    };
    const pending: ChatMessage = { ...userMessage, id: assistantId, role: "assistant", content: "", state: "pending", question };
    setMessages((list) => {
      const kept = replaceFrom ? list.slice(0, Math.max(0, list.findIndex((m) => m.id === replaceFrom) - 1)) : list;
      return [...kept, userMessage, pending];
    });
    setDraft("");
    setBusy(true);
    stickToBottom.current = true;
    const controller = new AbortController();
    abortRef.current = controller;
    try {
      if (!online && navigator.onLine === false) throw new ApiError("offline", "offline");
      await api.ask(question, conversationId, {
        signal: controller.signal,
        onEvent: (event) => {
          switch (event.event) {
            case "start":
              setConversationId(event.data.conversation_id);
              patch(assistantId, { state: "streaming" });
              break;
            case "tool_call":
              patch(assistantId, { activeTool: event.data.name });
              break;
            case "tool_result":
              patch(assistantId, (m) => ({
                sources: [
                  ...m.sources,
                  {
                    tool: event.data.name,
                    arguments: event.data.arguments,
                    result: event.data.result,
                    facts_used: event.data.facts_used ?? [],
                  },
                ],
              }));
              break;
            case "delta":
              patch(assistantId, (m) => ({ state: "streaming", content: m.content + event.data.text }));
              break;
            case "fallback":
              patch(assistantId, { fallback: true });
              break;
            case "final":
              setConversationId(event.data.conversation_id);
              patch(assistantId, {
                state: "done",
                content: event.data.response,
                sources: event.data.sources ?? [],
                suggestions: event.data.suggestions ?? [],
                fallback: event.data.fallback,
                activeTool: null,
              });
              if ((event.data.facts_saved?.length ?? 0) > 0) setMemoryRefresh((n) => n + 1);
              break;
          }
        },
      });
      void loadConversations();
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") return;
      const errorText = describe(error);
      patch(assistantId, {
        state: "error",
        error: error instanceof ApiError ? error : new ApiError("server", String(error)),
        errorText,
        activeTool: null,
      });
    } finally {
      if (abortRef.current === controller) abortRef.current = null;
      setBusy(false);
      requestAnimationFrame(() => composerRef.current?.focus());
    }
  }

  function onComposerKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void ask(draft);
    }
  }

  function newChat() {
    abortRef.current?.abort();
    setMessages([]);
    setConversationId(null);
    setSidebarOpen(false);
    setDraft("");
    composerRef.current?.focus();
  }

  async function openConversation(id: string) {
    if (busy) return;
    setSidebarOpen(false);
    setLoadingConversation(true);
    setConversationId(id);
    setMessages([]);
    try {
      const detail = await api.conversation(id);
      setMessages(detail.messages.filter((m) => m.role === "user" || m.role === "assistant").map(fromStored));
    } catch (error) {
      const text = describe(error);
      setMessages([
        {
          id: newId(),
          role: "assistant",
          content: "",
          sources: [],
          suggestions: [],
          state: "error",
          activeTool: null,
          error: error instanceof ApiError ? error : null,
          errorText: text,
          fallback: false,
        },
      ]);
    } finally {
      setLoadingConversation(false);
      stickToBottom.current = true;
      composerRef.current?.focus();
    }
  }

  function switchLanguage(next: Lang) {
    setChosenLang(next);
    writeStorage(storageKey ? `${storageKey}.lang` : undefined, next);
  }

  function closeMemory() {
    setMemoryOpen(false);
    memoryButtonRef.current?.focus();
  }

  // --- render --------------------------------------------------------------------------------------

  const rootClass = ["sf-assistant", className, memoryOpen ? "sf-memory-open" : "", sidebarOpen ? "sf-sidebar-open" : ""]
    .filter(Boolean)
    .join(" ");

  if (!token) {
    return (
      <div className={rootClass} lang={lang}>
        {!language && <LanguageSwitch lang={lang} onChange={switchLanguage} t={t} floating />}
        <Login t={t} onLogin={login} notice={loginNotice} showDemo={showDemoLogin} />
      </div>
    );
  }

  const categorySuggestions = suggestions[category];
  const lastAssistant = [...messages].reverse().find((m) => m.role === "assistant");

  return (
    <div
      className={rootClass}
      lang={lang}
      onKeyDown={(e) => {
        if (e.key === "Escape" && sidebarOpen) setSidebarOpen(false);
      }}
    >
      <header className="sf-header">
        <button
          type="button"
          className="sf-icon-button sf-menu-button"
          aria-label={t.menu}
          aria-expanded={sidebarOpen}
          onClick={() => setSidebarOpen((o) => !o)}
        >
          <svg viewBox="0 0 16 16" aria-hidden="true" className="sf-icon">
            <path d="M2.5 4h11M2.5 8h11M2.5 12h11" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
          </svg>
        </button>
        <div className="sf-brand">
          <Logo size={28} />
          <span>
            Sole<b>Flip</b> <span className="sf-brand-sub">{lang === "de" ? "Assistent" : "Assistant"}</span>
          </span>
        </div>
        <div className="sf-header-actions">
          {!language && <LanguageSwitch lang={lang} onChange={switchLanguage} t={t} />}
          <button
            ref={memoryButtonRef}
            type="button"
            className={`sf-ghost${memoryOpen ? " sf-active" : ""}`}
            aria-expanded={memoryOpen}
            onClick={() => (memoryOpen ? closeMemory() : setMemoryOpen(true))}
          >
            <svg viewBox="0 0 16 16" aria-hidden="true" className="sf-icon">
              <path
                d="M8 2.2c-2.6 0-4.6 1.9-4.6 4.3 0 1.4.7 2.5 1.7 3.3V12h5.8V9.8c1-.8 1.7-1.9 1.7-3.3 0-2.4-2-4.3-4.6-4.3zM6 14h4"
                fill="none"
                stroke="currentColor"
                strokeWidth="1.3"
                strokeLinecap="round"
              />
            </svg>
            <span className="sf-hide-narrow">{t.memory}</span>
          </button>
          {!hideSignOut && !controlled && (
            <button type="button" className="sf-ghost sf-hide-narrow" onClick={signOut}>
              {t.signOut}
            </button>
          )}
        </div>
      </header>

      <div className="sf-body">
        {sidebarOpen && <div className="sf-scrim" onClick={() => setSidebarOpen(false)} aria-hidden="true" />}
        <nav className="sf-sidebar" aria-label={t.conversations}>
          <button type="button" className="sf-primary sf-new-chat" onClick={newChat}>
            <svg viewBox="0 0 16 16" aria-hidden="true" className="sf-icon">
              <path d="M8 3v10M3 8h10" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
            </svg>
            {t.newChat}
          </button>
          <h2 className="sf-side-title">{t.conversations}</h2>
          {conversationsError && (
            <p className="sf-error sf-small" role="alert">
              {conversationsError}{" "}
              <button type="button" className="sf-link" onClick={() => void loadConversations()}>
                {t.retry}
              </button>
            </p>
          )}
          {!conversations && !conversationsError && <p className="sf-muted sf-small">{t.loadingConversations}</p>}
          {conversations && conversations.length === 0 && <p className="sf-muted sf-small">{t.noConversations}</p>}
          {conversations && conversations.length > 0 && (
            <ul className="sf-conversations">
              {conversations.map((c) => (
                <li key={c.id}>
                  <button
                    type="button"
                    className={c.id === conversationId ? "sf-current" : undefined}
                    aria-current={c.id === conversationId ? "true" : undefined}
                    onClick={() => void openConversation(c.id)}
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
          {!hideSignOut && !controlled && (
            <button type="button" className="sf-ghost sf-show-narrow sf-signout-side" onClick={signOut}>
              {t.signOut}
            </button>
          )}
        </nav>

        <main className="sf-chat">
          {!online && (
            <div className="sf-banner sf-banner-offline" role="status">
              {t.offlineBanner}
            </div>
          )}
          {rateLimited && (
            <div className="sf-banner sf-banner-wait" role="status" data-testid="rate-limit-banner">
              {t.errRateLimited(waitSeconds)}
            </div>
          )}
          <div
            className="sf-scroll"
            ref={scrollRef}
            onScroll={(e) => {
              const el = e.currentTarget;
              stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
            }}
          >
            {loadingConversation && (
              <p className="sf-muted sf-center" role="status">
                {t.loading}
              </p>
            )}
            {messages.length === 0 && !loadingConversation && (
              <section className="sf-welcome" aria-labelledby="sf-welcome-title">
                <h1 id="sf-welcome-title">{t.welcomeTitle}</h1>
                <p className="sf-muted">{t.welcomeText}</p>
                <div className="sf-tabs" role="tablist" aria-label={t.welcomeText}>
                  {SUGGESTION_CATEGORIES.map((c) => (
                    <button
                      key={c}
                      type="button"
                      role="tab"
                      aria-selected={category === c}
                      className={category === c ? "sf-tab sf-tab-active" : "sf-tab"}
                      onClick={() => setCategory(c)}
                    >
                      {t.categories[c]}
                    </button>
                  ))}
                </div>
                <div className="sf-suggestions" role="tabpanel" aria-busy={!categorySuggestions && !suggestionsError}>
                  {suggestionsError && (
                    <p className="sf-error sf-small" role="alert">
                      {suggestionsError}
                    </p>
                  )}
                  {!categorySuggestions && !suggestionsError && (
                    <>
                      <span className="sf-skeleton" />
                      <span className="sf-skeleton" />
                      <span className="sf-skeleton sf-skeleton-short" />
                      <span className="sf-sr-only">{t.loadingSuggestions}</span>
                    </>
                  )}
                  {categorySuggestions?.length === 0 && <p className="sf-muted">{t.noSuggestions}</p>}
                  {categorySuggestions?.map((s) => (
                    <button
                      key={s}
                      type="button"
                      className="sf-suggestion"
                      disabled={busy || rateLimited}
                      onClick={() => void ask(s)}
                    >
                      {s}
                    </button>
                  ))}
                </div>
              </section>
            )}
            {messages.length > 0 && (
              <ol className="sf-messages" aria-live="polite" aria-relevant="additions text">
                {messages.map((m) => (
                  <MessageView
                    key={m.id}
                    message={m}
                    lang={lang}
                    t={t}
                    isLast={m === lastAssistant}
                    busy={busy || rateLimited}
                    onSuggestion={(s) => void ask(s)}
                    onRetry={(msg) => void ask(msg.question ?? "", msg.id)}
                  />
                ))}
              </ol>
            )}
          </div>

          <form
            className="sf-composer"
            onSubmit={(e) => {
              e.preventDefault();
              void ask(draft);
            }}
          >
            <label htmlFor="sf-composer-input" className="sf-sr-only">
              {t.composerPlaceholder}
            </label>
            <textarea
              id="sf-composer-input"
              ref={composerRef}
              rows={1}
              value={draft}
              placeholder={t.composerPlaceholder}
              maxLength={2000}
              onChange={(e) => setDraft(e.target.value)}
              onKeyDown={onComposerKeyDown}
              aria-describedby="sf-composer-hint"
            />
            {busy ? (
              <button type="button" className="sf-send sf-stop" onClick={() => abortRef.current?.abort()} aria-label={t.stop}>
                <svg viewBox="0 0 16 16" aria-hidden="true" className="sf-icon">
                  <rect x="4" y="4" width="8" height="8" rx="1.5" fill="currentColor" />
                </svg>
              </button>
            ) : (
              <button type="submit" className="sf-send" disabled={!draft.trim() || rateLimited} aria-label={t.send}>
                <svg viewBox="0 0 16 16" aria-hidden="true" className="sf-icon">
                  <path d="M8 13V3M3.5 7.5L8 3l4.5 4.5" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
                </svg>
              </button>
            )}
            <p id="sf-composer-hint" className="sf-composer-hint">
              {t.composerHint}
            </p>
          </form>
        </main>

        {memoryOpen && (
          <MemoryPanel
            api={api}
            t={t}
            lang={lang}
            onClose={closeMemory}
            onError={describe}
            onCleared={() => {
              newChat();
              void loadConversations();
            }}
            refreshKey={memoryRefresh}
          />
        )}
      </div>
    </div>
  );
}

function LanguageSwitch({
  lang,
  onChange,
  t,
  floating = false,
}: {
  lang: Lang;
  onChange: (lang: Lang) => void;
  t: Strings;
  floating?: boolean;
}) {
  return (
    <div className={`sf-lang${floating ? " sf-lang-floating" : ""}`} role="group" aria-label={t.language}>
      {(["en", "de"] as Lang[]).map((l) => (
        <button key={l} type="button" aria-pressed={lang === l} onClick={() => onChange(l)} lang={l}>
          {l.toUpperCase()}
        </button>
      ))}
    </div>
  );
}
