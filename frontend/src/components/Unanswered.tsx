/** "Questions not understood" (GET /ai/unanswered): each question, its unknown words, teach buttons. */
import { useCallback, useState } from "react";
import type { ApiClient } from "../api/client";
import type { UnansweredQuestion } from "../api/pending";
import type { Page } from "../api/types";
import type { Lang, Strings } from "../i18n";
import { usePanelData } from "../hooks/usePanelData";
import { markTerms, UnknownTerm } from "../lib/terms";
import { PanelError } from "./PanelParts";

const PAGE = 20;

export function Unanswered({
  api,
  t,
  lang,
  onError,
  onTeach,
}: {
  api: ApiClient;
  t: Strings;
  lang: Lang;
  onError: (error: unknown) => string;
  onTeach: (word: string) => void;
}) {
  const [limit, setLimit] = useState(PAGE);
  const load = useCallback(() => api.unanswered(limit, 0), [api, limit]);
  const page = usePanelData<Page<UnansweredQuestion>>(load, onError);

  if (page.unavailable) return <p className="sf-empty">{t.unansweredUnavailable}</p>;
  const items = page.data?.items;
  return (
    <section className="sf-unanswered" aria-labelledby="sf-unanswered-title">
      <h3 id="sf-unanswered-title" className="sf-side-title sf-pad">
        {t.unansweredTitle}
      </h3>
      <PanelError error={page.error} t={t} onRetry={() => void page.reload()} />
      {!page.data && !page.error && <p className="sf-muted sf-pad" role="status">{t.loading}</p>}
      {items?.length === 0 && <p className="sf-empty">{t.unansweredEmpty}</p>}
      {items && items.length > 0 && (
        <ul className="sf-facts" aria-label={t.unansweredTitle}>
          {items.map((q) => (
            <li key={q.id} className="sf-fact sf-unanswered-item" data-testid="unanswered-question">
              <p className="sf-fact-text">
                {markTerms(q.question, q.unknown_terms, (word, key) => (
                  <UnknownTerm key={key} word={word} title={t.notUnderstood} />
                ))}
              </p>
              <p className="sf-muted sf-small">
                {q.understood === "none" ? t.understoodNone : t.understoodPartly} ·{" "}
                {new Date(q.created_at).toLocaleDateString(lang === "de" ? "de-DE" : "en-GB")}
              </p>
              <div className="sf-chip-row">
                {q.unknown_terms.map((word) => (
                  <button key={word} type="button" className="sf-chip" onClick={() => onTeach(word)}>
                    {t.teachThis(word)}
                  </button>
                ))}
              </div>
            </li>
          ))}
        </ul>
      )}
      {page.data && page.data.total > (items?.length ?? 0) && (
        <button type="button" className="sf-link sf-pad" onClick={() => setLimit((n) => n + PAGE)}>
          {t.moreQuestions}
        </button>
      )}
    </section>
  );
}
