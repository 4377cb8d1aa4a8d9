/** The sidebar's list of stored conversations, most recent first. */
import { useCallback, useState } from "react";
import type { ApiClient } from "../api/client";
import type { ConversationSummary } from "../api/types";

export function useConversations(api: ApiClient, signedIn: () => boolean, errorText: (e: unknown) => string) {
  const [conversations, setConversations] = useState<ConversationSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    if (!signedIn()) return;
    try {
      const page = await api.conversations();
      setConversations(page.items);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, [api, errorText, signedIn]);

  const reset = useCallback(() => setConversations(null), []);
  return { conversations, error, load, reset };
}
