/** The empty chat: a greeting and suggested questions per category. */
import { SUGGESTION_CATEGORIES, type SuggestionCategory } from "../api/types";
import type { Strings } from "../i18n";
import { Tabs } from "./Tabs";

export function Welcome({
  t,
  category,
  onCategory,
  suggestions,
  error,
  disabled,
  onAsk,
}: {
  t: Strings;
  category: SuggestionCategory;
  onCategory: (category: SuggestionCategory) => void;
  suggestions: string[] | undefined;
  error: string | null;
  disabled: boolean;
  onAsk: (question: string) => void;
}) {
  return (
    <section className="sf-welcome" aria-labelledby="sf-welcome-title">
      <h1 id="sf-welcome-title">{t.welcomeTitle}</h1>
      <p className="sf-muted">{t.welcomeText}</p>
      <Tabs
        tabs={SUGGESTION_CATEGORIES.map((c): [SuggestionCategory, string] => [c, t.categories[c]])}
        current={category}
        onChoose={onCategory}
        label={t.welcomeText}
      />
      <div className="sf-suggestions" role="tabpanel" aria-busy={!suggestions && !error}>
        {error && (
          <p className="sf-error sf-small" role="alert">
            {error}
          </p>
        )}
        {!suggestions && !error && (
          <>
            <span className="sf-skeleton" />
            <span className="sf-skeleton" />
            <span className="sf-skeleton sf-skeleton-short" />
            <span className="sf-sr-only">{t.loadingSuggestions}</span>
          </>
        )}
        {suggestions?.length === 0 && <p className="sf-muted">{t.noSuggestions}</p>}
        {suggestions?.map((s) => (
          <button key={s} type="button" className="sf-suggestion" disabled={disabled} onClick={() => onAsk(s)}>
            {s}
          </button>
        ))}
      </div>
    </section>
  );
}
