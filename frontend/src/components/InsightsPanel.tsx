/**
 * Insights (GET /ai/insights): what stands out in the business now, each with a severity, a
 * headline, an explanation and key figures; choosing one asks its follow-up question in the chat.
 * Below, the past daily digests (GET /ai/digests, /ai/digests/{id}).
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { ApiClient } from "../api/client";
import type { Digest, DigestSummary, Insight, InsightsResponse } from "../api/pending";
import type { Page } from "../api/types";
import type { Lang, Strings } from "../i18n";
import { isMissingEndpoint, usePanelData } from "../hooks/usePanelData";
import { PanelError, PanelHead } from "./PanelParts";

const locale = (lang: Lang) => (lang === "de" ? "de-DE" : "en-GB");

/** A key figure: numbers in the user's locale; money strings ("812.00") keep their decimals. */
function figureValue(value: unknown, lang: Lang): string {
  if (value === null || value === undefined) return "–";
  const text = String(value).trim();
  if (!/^-?\d+(\.\d+)?$/.test(text)) return text;
  const decimals = typeof value === "string" ? (text.split(".")[1]?.length ?? 0) : Math.min(2, (text.split(".")[1]?.length ?? 0));
  return Number(text).toLocaleString(locale(lang), { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

function InsightCard({ insight, lang, t, disabled, onAsk }: { insight: Insight; lang: Lang; t: Strings; disabled: boolean; onAsk: (q: string) => void }) {
  const figures = Object.entries(insight.figures ?? {});
  return (
    <li className={`sf-insight sf-insight-${insight.severity}`} data-testid="insight">
      <button
        type="button"
        className="sf-insight-button"
        disabled={disabled || !insight.follow_up}
        onClick={() => onAsk(insight.follow_up)}
        title={insight.follow_up ? t.askThis(insight.follow_up) : undefined}
      >
        <span className={`sf-badge sf-badge-${insight.severity}`}>{t.severity[insight.severity] ?? insight.severity}</span>
        <span className="sf-insight-headline">{insight.headline}</span>
        <span className="sf-insight-text">{insight.explanation}</span>
        {figures.length > 0 && (
          <dl className="sf-figures">
            {figures.map(([key, value]) => (
              <div key={key}>
                <dt>{key.replace(/_/g, " ")}</dt>
                <dd>{figureValue(value, lang)}</dd>
              </div>
            ))}
          </dl>
        )}
        {insight.follow_up && <span className="sf-insight-ask">{t.askThis(insight.follow_up)}</span>}
      </button>
    </li>
  );
}

function InsightList({ items, lang, t, disabled, onAsk }: { items: Insight[]; lang: Lang; t: Strings; disabled: boolean; onAsk: (q: string) => void }) {
  if (items.length === 0) return <p className="sf-empty">{t.insightsEmpty}</p>;
  return (
    <ul className="sf-insights" aria-label={t.insightsTitle}>
      {items.map((insight, i) => (
        <InsightCard key={`${insight.type}-${i}`} insight={insight} lang={lang} t={t} disabled={disabled} onAsk={onAsk} />
      ))}
    </ul>
  );
}

export function InsightsPanel({
  api,
  t,
  lang,
  onClose,
  onError,
  onAsk,
  disabled,
}: {
  api: ApiClient;
  t: Strings;
  lang: Lang;
  onClose: () => void;
  onError: (error: unknown) => string;
  onAsk: (question: string) => void;
  disabled: boolean;
}) {
  const closeRef = useRef<HTMLButtonElement>(null);
  const latest = usePanelData<InsightsResponse>(useCallback(() => api.insights(), [api]), onError);
  const digests = usePanelData<Page<DigestSummary>>(useCallback(() => api.digests(), [api]), onError);
  const [digest, setDigest] = useState<Digest | null>(null);
  const [digestError, setDigestError] = useState<string | null>(null);

  useEffect(() => {
    closeRef.current?.focus();
  }, []);

  async function openDigest(id: number) {
    setDigestError(null);
    try {
      setDigest(await api.digest(id));
    } catch (e) {
      setDigestError(isMissingEndpoint(e) ? t.digestsUnavailable : onError(e));
    }
  }

  const day = (iso: string) => new Date(iso).toLocaleDateString(locale(lang), { day: "numeric", month: "short", year: "numeric" });
  return (
    <aside
      className="sf-memory sf-insights-panel"
      aria-labelledby="sf-insights-title"
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <PanelHead ref={closeRef} id="sf-insights-title" title={t.insightsTitle} t={t} onClose={onClose} />
      <div className="sf-panel-body">
        {digest ? (
          <section aria-label={t.digestOf(day(digest.digest_date))}>
            <button type="button" className="sf-link sf-pad" onClick={() => setDigest(null)}>
              ← {t.backToLatest}
            </button>
            <h3 className="sf-mini-title sf-pad">{t.digestOf(day(digest.digest_date))}</h3>
            <InsightList items={digest.items} lang={lang} t={t} disabled={disabled} onAsk={onAsk} />
          </section>
        ) : (
          <section aria-label={t.insightsTitle}>
            {latest.unavailable && <p className="sf-empty">{t.insightsUnavailable}</p>}
            <PanelError error={latest.error} t={t} onRetry={() => void latest.reload()} />
            {!latest.data && !latest.error && !latest.unavailable && <p className="sf-muted sf-pad" role="status">{t.loading}</p>}
            {latest.data && (
              <>
                <p className="sf-muted sf-small sf-pad">{t.insightsAsOf(new Date(latest.data.generated_at).toLocaleString(locale(lang)))}</p>
                <InsightList items={latest.data.items} lang={lang} t={t} disabled={disabled} onAsk={onAsk} />
              </>
            )}
          </section>
        )}
        <section className="sf-digests" aria-labelledby="sf-digests-title">
          <h3 id="sf-digests-title" className="sf-side-title sf-pad">
            {t.pastDigests}
          </h3>
          {digests.unavailable && <p className="sf-empty">{t.digestsUnavailable}</p>}
          <PanelError error={digests.error ?? digestError} t={t} onRetry={() => void digests.reload()} />
          {digests.data?.items.length === 0 && <p className="sf-empty">{t.digestsEmpty}</p>}
          {digests.data && digests.data.items.length > 0 && (
            <ul className="sf-conversations sf-pad">
              {digests.data.items.map((d) => (
                <li key={d.id}>
                  <button type="button" aria-current={digest?.id === d.id || undefined} onClick={() => void openDigest(d.id)}>
                    <span className="sf-conv-title">{t.digestLabel(day(d.digest_date), d.insight_count)}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </aside>
  );
}
