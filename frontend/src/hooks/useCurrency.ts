/**
 * The business currency for charts. The server's settings.CURRENCY is not in any response yet;
 * /ai/health is where it belongs, so it is read from there once the server sends it, else EUR.
 */
import { useEffect, useState } from "react";
import type { ApiClient } from "../api/client";
import { DEFAULT_CURRENCY } from "../components/SeriesChart";

/** Asked once signed in (the page has no use for it before). */
export function useCurrency(api: ApiClient, signedIn: boolean): string {
  const [currency, setCurrency] = useState(DEFAULT_CURRENCY);
  useEffect(() => {
    if (!signedIn) return;
    let cancelled = false;
    api
      .health()
      .then((health) => {
        const code = health.currency;
        if (!cancelled && typeof code === "string" && /^[A-Za-z]{3}$/.test(code)) setCurrency(code.toUpperCase());
      })
      .catch(() => undefined); // unknown: keep the default
    return () => {
      cancelled = true;
    };
  }, [api, signedIn]);
  return currency;
}
