/**
 * Loads what a side panel shows. An endpoint this server does not have yet (404) is
 * "unavailable" (the panel says so), any other failure an error sentence with a retry.
 */
import { useCallback, useEffect, useState } from "react";
import { ApiError } from "../api/client";

export interface PanelData<T> {
  data: T | null;
  error: string | null;
  unavailable: boolean;
  reload: () => Promise<void>;
  setData: (update: (current: T | null) => T | null) => void;
}

export const isMissingEndpoint = (error: unknown) => error instanceof ApiError && error.kind === "not_found";

export function usePanelData<T>(load: () => Promise<T>, errorText: (e: unknown) => string, refreshKey: unknown = 0): PanelData<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [unavailable, setUnavailable] = useState(false);

  const reload = useCallback(async () => {
    setError(null);
    try {
      setData(await load());
      setUnavailable(false);
    } catch (e) {
      if (isMissingEndpoint(e)) setUnavailable(true);
      else setError(errorText(e));
    }
  }, [load, errorText]);

  useEffect(() => {
    void reload();
  }, [reload, refreshKey]);

  return { data, error, unavailable, reload, setData };
}
