/** Turns any error into one sentence for the user; a 401 signs out, a 429 starts the countdown. */
import { useCallback } from "react";
import { ApiError } from "../api/client";
import type { Strings } from "../i18n";

export function useErrorText(t: Strings, onExpired: () => void, onRateLimited: (seconds: number) => void) {
  return useCallback(
    (error: unknown): string => {
      if (!(error instanceof ApiError)) return t.errGeneric(String((error as Error)?.message ?? error));
      switch (error.kind) {
        case "unauthorized":
          onExpired();
          return t.sessionExpired;
        case "rate_limited": {
          const seconds = error.retryAfter ?? 30;
          onRateLimited(seconds);
          return t.errRateLimited(seconds);
        }
        case "offline":
          return t.errOffline;
        case "unreachable":
          return t.errUnreachable;
        case "unavailable":
          return `${t.errUnavailable} ${error.message}`;
        default:
          return t.errGeneric(error.message);
      }
    },
    [onExpired, onRateLimited, t],
  );
}

/** The sign-in form's message for a failed login. */
export function loginErrorText(error: unknown, t: Strings): string {
  if (error instanceof ApiError) {
    if (error.kind === "unauthorized" || error.kind === "validation") return t.badLogin;
    if (error.kind === "rate_limited") return t.errRateLimited(error.retryAfter);
    if (error.kind === "offline") return t.errOffline;
    if (error.kind === "unreachable") return t.errUnreachable;
  }
  return t.errGeneric(error instanceof Error ? error.message : String(error));
}
