/** Suggested questions per category, fetched once per category while signed in. */
import { useCallback, useEffect, useState } from "react";
import type { ApiClient } from "../api/client";
import type { SuggestionCategory } from "../api/types";

export function useSuggestions(api: ApiClient, token: string | null, errorText: (e: unknown) => string) {
  const [category, setCategory] = useState<SuggestionCategory>("inventory");
  const [byCategory, setByCategory] = useState<Partial<Record<SuggestionCategory, string[]>>>({});
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!token || byCategory[category]) return;
    let cancelled = false;
    setError(null);
    api
      .suggestions(category)
      .then((r) => !cancelled && setByCategory((s) => ({ ...s, [category]: r.suggestions })))
      .catch((e) => !cancelled && setError(errorText(e)));
    return () => {
      cancelled = true;
    };
  }, [api, category, errorText, byCategory, token]);

  const reset = useCallback(() => setByCategory({}), []);
  return { category, setCategory, suggestions: byCategory[category], error, reset };
}
