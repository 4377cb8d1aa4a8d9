/**
 * <AIAssistant />: SoleFlip's chat assistant. Embed it in any React app:
 *
 *   <AIAssistant apiBaseUrl="https://api.soleflip.example" token={jwt} onUnauthorized={logout} />
 *
 * Without a `token` prop it shows its own sign-in form (and, with `storageKey`, remembers the
 * token in localStorage). Answers stream from /ai/query/stream and /ai/conversation/stream.
 * The state lives in hooks (../hooks); this file only wires them to the views.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiClient } from "../api/client";
import { useAnswerScroll } from "../hooks/useAnswerScroll";
import { useChat } from "../hooks/useChat";
import { useConversations } from "../hooks/useConversations";
import { useCurrency } from "../hooks/useCurrency";
import { loginErrorText, useErrorText } from "../hooks/useErrorText";
import { useLanguage } from "../hooks/useLanguage";
import { useOnline } from "../hooks/useOnline";
import { useRateLimit } from "../hooks/useRateLimit";
import { useSession } from "../hooks/useSession";
import { useSuggestions } from "../hooks/useSuggestions";
import { STRINGS, type Lang } from "../i18n";
import { Composer } from "./Composer";
import { Header, type Panel } from "./Header";
import { InsightsPanel } from "./InsightsPanel";
import { LanguageSwitch } from "./LanguageSwitch";
import { Login } from "./Login";
import { MemoryPanel } from "./MemoryPanel";
import { MessageView } from "./Message";
import { Sidebar } from "./Sidebar";
import { Welcome } from "./Welcome";

/** The width below which the side panels cover the chat (styles.css, same breakpoint). */
const NARROW = "(max-width: 820px)";

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
  const session = useSession({ tokenProp, storageKey, onTokenChange });
  const { token, tokenRef, setToken } = session;
  const { lang, t, switchLanguage, switchable } = useLanguage(language, storageKey);
  const api = useMemo(
    () => new ApiClient({ baseUrl: apiBaseUrl, getToken: () => tokenRef.current, fetchImpl }),
    [apiBaseUrl, fetchImpl, tokenRef],
  );
  const online = useOnline();
  const rate = useRateLimit();
  const currency = useCurrency(api, !!token);

  const [loginNotice, setLoginNotice] = useState<string | null>(null);
  const [draft, setDraft] = useState("");
  const [panel, setPanel] = useState<Panel | null>(null);
  const [memoryRefresh, setMemoryRefresh] = useState(0);
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const composerRef = useRef<HTMLTextAreaElement>(null);
  const memoryButtonRef = useRef<HTMLButtonElement>(null);
  // Clears the chat on sign-out or expiry. A ref because expiry is noticed by errorText, which
  // the chat hooks need before they exist; it is set once they do (below).
  const resetRef = useRef<() => void>(() => undefined);

  const expireSession = useCallback(() => {
    resetRef.current();
    setLoginNotice(STRINGS[lang].sessionExpired);
    setToken(null);
    onUnauthorized?.();
  }, [lang, onUnauthorized, setToken]);
  const errorText = useErrorText(t, expireSession, rate.waitFor);

  const signedIn = useCallback(() => !!tokenRef.current, [tokenRef]);
  const conversations = useConversations(api, signedIn, errorText);
  const suggestions = useSuggestions(api, token, errorText);
  const chat = useChat({
    api,
    canAsk: () => !!tokenRef.current && !rate.rateLimited,
    online,
    errorText,
    onAnswered: () => void conversations.load(),
    onFactsSaved: () => setMemoryRefresh((n) => n + 1),
    onAsking: () => scroll.follow(),
  });
  const newestAnswer = [...chat.messages].reverse().find((m) => m.role === "assistant");
  const scroll = useAnswerScroll(chat.messages, newestAnswer?.state === "done" ? newestAnswer.id : null);

  resetRef.current = () => {
    chat.clear();
    conversations.reset();
    suggestions.reset();
    setPanel(null);
  };

  useEffect(() => {
    if (token) {
      void conversations.load();
      composerRef.current?.focus();
    }
  }, [token, conversations.load]);

  async function login(email: string, password: string): Promise<string | null> {
    try {
      const access = await api.login(email, password);
      setLoginNotice(null);
      setToken(access);
      return null;
    } catch (error) {
      return loginErrorText(error, t);
    }
  }

  function signOut() {
    resetRef.current();
    setLoginNotice(null);
    setToken(null);
  }

  async function ask(text: string, replaceFrom?: string) {
    if (!text.trim() || chat.busy || rate.rateLimited) return;
    setDraft("");
    await chat.ask(text, replaceFrom);
    requestAnimationFrame(() => composerRef.current?.focus());
  }

  /** An insight's follow-up question; on a phone the panel covers the chat, so it closes. */
  function askFromPanel(question: string) {
    if (window.matchMedia?.(NARROW).matches) setPanel(null);
    void ask(question);
  }

  function newChat() {
    chat.clear();
    setSidebarOpen(false);
    setDraft("");
    composerRef.current?.focus();
  }

  async function openConversation(id: string) {
    if (chat.busy) return;
    setSidebarOpen(false);
    await chat.open(id);
    composerRef.current?.focus();
  }

  function closePanel() {
    setPanel(null);
    memoryButtonRef.current?.focus();
  }

  const rootClass = ["sf-assistant", className, panel ? "sf-memory-open" : "", sidebarOpen ? "sf-sidebar-open" : ""]
    .filter(Boolean)
    .join(" ");

  if (!token) {
    return (
      <div className={rootClass} lang={lang}>
        {switchable && <LanguageSwitch lang={lang} onChange={switchLanguage} t={t} floating />}
        <Login t={t} onLogin={login} notice={loginNotice} showDemo={showDemoLogin} />
      </div>
    );
  }

  const blocked = chat.busy || rate.rateLimited;
  return (
    <div
      className={rootClass}
      lang={lang}
      onKeyDown={(e) => {
        if (e.key === "Escape" && sidebarOpen) setSidebarOpen(false);
      }}
    >
      <Header
        ref={memoryButtonRef}
        lang={lang}
        t={t}
        switchable={switchable}
        onLanguage={switchLanguage}
        sidebarOpen={sidebarOpen}
        onToggleSidebar={() => setSidebarOpen((o) => !o)}
        panel={panel}
        onTogglePanel={(p) => (panel === p ? closePanel() : setPanel(p))}
        onSignOut={!hideSignOut && !session.controlled ? signOut : null}
      />

      <div className="sf-body">
        {sidebarOpen && <div className="sf-scrim" onClick={() => setSidebarOpen(false)} aria-hidden="true" />}
        <Sidebar
          lang={lang}
          t={t}
          conversations={conversations.conversations}
          error={conversations.error}
          currentId={chat.conversationId}
          onNewChat={newChat}
          onOpen={(id) => void openConversation(id)}
          onRetry={() => void conversations.load()}
        />

        <main className="sf-chat">
          {!online && (
            <div className="sf-banner sf-banner-offline" role="status">
              {t.offlineBanner}
            </div>
          )}
          {rate.rateLimited && (
            <div className="sf-banner sf-banner-wait" role="status" data-testid="rate-limit-banner">
              {t.errRateLimited(rate.waitSeconds)}
            </div>
          )}
          <div className="sf-scroll" ref={scroll.scrollRef} onScroll={scroll.onScroll}>
            {chat.loadingConversation && (
              <p className="sf-muted sf-center" role="status">
                {t.loading}
              </p>
            )}
            {chat.messages.length === 0 && !chat.loadingConversation && (
              <Welcome
                t={t}
                category={suggestions.category}
                onCategory={suggestions.setCategory}
                suggestions={suggestions.suggestions}
                error={suggestions.error}
                disabled={blocked}
                onAsk={(q) => void ask(q)}
              />
            )}
            {chat.messages.length > 0 && (
              <ol className="sf-messages" aria-live="polite" aria-relevant="additions text">
                {chat.messages.map((m) => (
                  <MessageView
                    key={m.id}
                    message={m}
                    lang={lang}
                    t={t}
                    currency={currency}
                    isLast={m === newestAnswer}
                    busy={blocked}
                    onSuggestion={(s) => void ask(s)}
                    onRetry={(msg) => void ask(msg.question ?? "", msg.id)}
                  />
                ))}
              </ol>
            )}
          </div>
          <Composer
            ref={composerRef}
            t={t}
            draft={draft}
            onDraft={setDraft}
            onSend={() => void ask(draft)}
            onStop={chat.stop}
            busy={chat.busy}
            blocked={rate.rateLimited}
          />
        </main>

        {panel === "memory" && (
          <MemoryPanel
            api={api}
            t={t}
            lang={lang}
            onClose={closePanel}
            onError={errorText}
            onCleared={() => {
              newChat();
              void conversations.load();
            }}
            refreshKey={memoryRefresh}
          />
        )}
        {panel === "insights" && (
          <InsightsPanel api={api} t={t} lang={lang} onClose={closePanel} onError={errorText} onAsk={askFromPanel} disabled={blocked} />
        )}
      </div>
    </div>
  );
}
