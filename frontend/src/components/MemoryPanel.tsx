/**
 * What the assistant remembers, in three tabs: the facts (counts, forget one, clear all behind a
 * confirmation), the words the user taught it, and the questions it did not understand.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { ApiClient } from "../api/client";
import type { MemoryFact, MemoryStatus } from "../api/types";
import type { Lang, Strings } from "../i18n";
import { PanelError, PanelHead } from "./PanelParts";
import { Tabs } from "./Tabs";
import { Unanswered } from "./Unanswered";
import { Vocabulary } from "./Vocabulary";

type Tab = "facts" | "words" | "unanswered";

interface MemoryPanelProps {
  api: ApiClient;
  t: Strings;
  lang: Lang;
  onClose: () => void;
  onError: (error: unknown) => string;
  onCleared: () => void;
  refreshKey: number;
}

export function MemoryPanel(props: MemoryPanelProps) {
  const { api, t, lang, onClose, onError } = props;
  const [tab, setTab] = useState<Tab>("facts");
  const [prefill, setPrefill] = useState<{ term: string } | null>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const [confirming, setConfirming] = useState(false);

  useEffect(() => {
    closeRef.current?.focus();
  }, []);

  const tabs: Array<[Tab, string]> = [
    ["facts", t.memoryTabFacts],
    ["words", t.memoryTabWords],
    ["unanswered", t.memoryTabUnanswered],
  ];
  return (
    <aside
      className="sf-memory"
      aria-labelledby="sf-memory-title"
      onKeyDown={(e) => {
        if (e.key === "Escape" && !confirming) {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <PanelHead ref={closeRef} id="sf-memory-title" title={t.memoryTitle} t={t} onClose={onClose} />
      <Tabs tabs={tabs} current={tab} onChoose={setTab} label={t.memoryTitle} className="sf-panel-tabs" />
      <div role="tabpanel" className="sf-panel-body">
        {tab === "facts" && <Facts {...props} onConfirming={setConfirming} />}
        {tab === "words" && <Vocabulary api={api} t={t} onError={onError} prefill={prefill} />}
        {tab === "unanswered" && (
          <Unanswered
            api={api}
            t={t}
            lang={lang}
            onError={onError}
            onTeach={(term) => {
              setPrefill({ term });
              setTab("words");
            }}
          />
        )}
      </div>
    </aside>
  );
}

function Facts({
  api,
  t,
  lang,
  onError,
  onCleared,
  refreshKey,
  onConfirming,
}: MemoryPanelProps & { onConfirming: (confirming: boolean) => void }) {
  const [status, setStatus] = useState<MemoryStatus | null>(null);
  const [facts, setFacts] = useState<MemoryFact[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const clearRef = useRef<HTMLButtonElement>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      const [s, f] = await Promise.all([api.memoryStatus(), api.memoryFacts()]);
      setStatus(s);
      setFacts(f.items);
    } catch (e) {
      setError(onError(e));
    }
  }, [api, onError]);

  useEffect(() => {
    void load();
  }, [load, refreshKey]);

  useEffect(() => {
    onConfirming(confirming);
    if (confirming) cancelRef.current?.focus();
  }, [confirming, onConfirming]);

  async function forget(fact: MemoryFact) {
    setBusy(true);
    try {
      await api.deleteFact(fact.id);
      setFacts((current) => current?.filter((f) => f.id !== fact.id) ?? null);
      setStatus((s) => (s ? { ...s, fact_count: Math.max(0, s.fact_count - 1) } : s));
    } catch (e) {
      setError(onError(e));
    } finally {
      setBusy(false);
    }
  }

  async function clearAll() {
    setBusy(true);
    try {
      await api.clearMemory();
      setConfirming(false);
      onCleared();
      await load();
      clearRef.current?.focus();
    } catch (e) {
      setError(onError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div
      className="sf-facts-tab"
      onKeyDown={(e) => {
        if (e.key === "Escape" && confirming) {
          e.stopPropagation();
          setConfirming(false);
        }
      }}
    >
      <PanelError error={error} t={t} onRetry={() => void load()} />
      {!status && !error && <p className="sf-muted sf-pad" role="status">{t.loading}</p>}
      {status && (
        <div className="sf-memory-status" data-testid="memory-status">
          <p>{t.memoryCounts(status.conversation_count, status.message_count, status.fact_count)}</p>
          <p className="sf-muted">{status.memory_enabled ? t.memoryBackend(status.backend) : t.memoryOff}</p>
        </div>
      )}
      {facts && facts.length === 0 && <p className="sf-empty">{t.memoryEmpty}</p>}
      {facts && facts.length > 0 && (
        <ul className="sf-facts" aria-label={t.memoryTitle}>
          {facts.map((fact) => (
            <li key={fact.id} className="sf-fact">
              <div>
                <p className="sf-fact-text">{fact.text}</p>
                <p className="sf-muted sf-small">
                  {fact.kind.replace(/_/g, " ")}
                  {fact.value !== null && fact.value !== undefined && typeof fact.value !== "object"
                    ? ` · ${String(fact.value)}`
                    : ""}
                  {" · "}
                  {new Date(fact.valid_from).toLocaleDateString(lang === "de" ? "de-DE" : "en-GB")}
                </p>
              </div>
              <button
                type="button"
                className="sf-ghost"
                disabled={busy}
                onClick={() => void forget(fact)}
                aria-label={t.forgetFact(fact.text)}
              >
                {t.forget}
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="sf-memory-foot">
        {!confirming ? (
          <button
            ref={clearRef}
            type="button"
            className="sf-danger-outline"
            disabled={busy || !status}
            onClick={() => setConfirming(true)}
          >
            {t.clearAll}
          </button>
        ) : (
          <div
            className="sf-confirm"
            role="alertdialog"
            aria-modal="false"
            aria-labelledby="sf-confirm-title"
            aria-describedby="sf-confirm-text"
          >
            <p id="sf-confirm-title" className="sf-confirm-title">
              {t.clearConfirmTitle}
            </p>
            <p id="sf-confirm-text" className="sf-muted">
              {t.clearConfirmText}
            </p>
            <div className="sf-row">
              <button ref={cancelRef} type="button" className="sf-ghost" onClick={() => setConfirming(false)}>
                {t.cancel}
              </button>
              <button type="button" className="sf-danger" disabled={busy} onClick={() => void clearAll()}>
                {t.confirmClear}
              </button>
            </div>
          </div>
        )}
      </div>
    </div>
  );
}
