/** "Words I taught": the list (GET /ai/vocabulary), remove, and "When I say ___ I mean ___". */
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, type ApiClient } from "../api/client";
import type { VocabularyItem } from "../api/pending";
import type { Strings } from "../i18n";
import { usePanelData } from "../hooks/usePanelData";
import { PanelError } from "./PanelParts";

export function Vocabulary({
  api,
  t,
  onError,
  prefill,
}: {
  api: ApiClient;
  t: Strings;
  onError: (error: unknown) => string;
  /** A word to teach, chosen in "Questions not understood". */
  prefill: { term: string } | null;
}) {
  const load = useCallback(() => api.vocabulary().then((page) => page.items), [api]);
  const words = usePanelData<VocabularyItem[]>(load, onError);
  const [busy, setBusy] = useState(false);

  async function remove(word: VocabularyItem) {
    setBusy(true);
    try {
      await api.forgetWord(word.id);
      words.setData((items) => items?.filter((w) => w.id !== word.id) ?? null);
    } catch (e) {
      onError(e);
      await words.reload();
    } finally {
      setBusy(false);
    }
  }

  if (words.unavailable) return <p className="sf-empty">{t.wordsUnavailable}</p>;
  return (
    <section className="sf-vocabulary" aria-labelledby="sf-words-title">
      <h3 id="sf-words-title" className="sf-side-title sf-pad">
        {t.memoryTabWords}
      </h3>
      <PanelError error={words.error} t={t} onRetry={() => void words.reload()} />
      {!words.data && !words.error && <p className="sf-muted sf-pad" role="status">{t.loading}</p>}
      {words.data?.length === 0 && <p className="sf-empty">{t.wordsEmpty}</p>}
      {words.data && words.data.length > 0 && (
        <ul className="sf-facts" aria-label={t.memoryTabWords}>
          {words.data.map((word) => (
            <li key={word.id} className="sf-fact">
              <p className="sf-fact-text">{word.text}</p>
              <button type="button" className="sf-ghost" disabled={busy} onClick={() => void remove(word)} aria-label={t.removeWord(word.term)}>
                {t.remove}
              </button>
            </li>
          ))}
        </ul>
      )}
      <TeachForm api={api} t={t} onError={onError} prefill={prefill} onTaught={(w) => words.setData((items) => [w, ...(items ?? [])])} />
    </section>
  );
}

function TeachForm({
  api,
  t,
  onError,
  prefill,
  onTaught,
}: {
  api: ApiClient;
  t: Strings;
  onError: (error: unknown) => string;
  prefill: { term: string } | null;
  onTaught: (word: VocabularyItem) => void;
}) {
  const [term, setTerm] = useState("");
  const [means, setMeans] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const meansRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!prefill) return;
    setTerm(prefill.term);
    setMessage(null);
    meansRef.current?.focus();
  }, [prefill]);

  async function submit() {
    if (!term.trim() || !means.trim()) return;
    setBusy(true);
    try {
      const word = await api.teachWord(term.trim(), means.trim());
      onTaught(word);
      setMessage({ ok: true, text: t.taught(word.term) });
      setTerm("");
      setMeans("");
    } catch (e) {
      // 422: the server could not understand the meaning; its message says why.
      const text = e instanceof ApiError && e.kind === "validation" ? e.message : onError(e);
      setMessage({ ok: false, text });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="sf-teach"
      aria-label={t.teach}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label>
        <span>{t.teachWhen}</span>
        <input value={term} onChange={(e) => setTerm(e.target.value)} maxLength={80} required />
      </label>
      <label>
        <span>{t.teachMean}</span>
        <input ref={meansRef} value={means} onChange={(e) => setMeans(e.target.value)} maxLength={200} required />
      </label>
      <button type="submit" className="sf-primary" disabled={busy || !term.trim() || !means.trim()}>
        {t.teach}
      </button>
      {message && (
        <p className={message.ok ? "sf-ok sf-small" : "sf-error sf-small"} role={message.ok ? "status" : "alert"}>
          {message.text}
        </p>
      )}
    </form>
  );
}
