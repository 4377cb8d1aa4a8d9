/** The countdown after a 429: seconds left until the user may ask again. */
import { useCallback, useEffect, useState } from "react";

export function useRateLimit() {
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    if (!retryAt) return;
    const timer = window.setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= retryAt) {
        setRetryAt(null);
        window.clearInterval(timer);
      }
    }, 250);
    return () => window.clearInterval(timer);
  }, [retryAt]);

  const waitFor = useCallback((seconds: number) => {
    setRetryAt(Date.now() + seconds * 1000);
    setNow(Date.now());
  }, []);

  const waitSeconds = retryAt ? Math.max(0, Math.ceil((retryAt - now) / 1000)) : 0;
  return { waitSeconds, rateLimited: waitSeconds > 0, waitFor };
}
