/** The signed-in token: the host app's (controlled) or our own, kept under `storageKey`. */
import { useCallback, useRef, useState } from "react";
import { readStorage, writeStorage } from "../lib/storage";

export interface SessionOptions {
  tokenProp: string | null | undefined;
  storageKey?: string;
  onTokenChange?: (token: string | null) => void;
}

export function useSession({ tokenProp, storageKey, onTokenChange }: SessionOptions) {
  const controlled = tokenProp !== undefined;
  const [ownToken, setOwnToken] = useState<string | null>(() => readStorage(storageKey));
  const token = controlled ? (tokenProp ?? null) : ownToken;
  // The API client reads the token through this ref, so it never has to be rebuilt.
  const tokenRef = useRef(token);
  tokenRef.current = token;

  const setToken = useCallback(
    (value: string | null) => {
      if (!controlled) {
        setOwnToken(value);
        writeStorage(storageKey, value);
      }
      onTokenChange?.(value);
    },
    [controlled, onTokenChange, storageKey],
  );

  return { token, tokenRef, controlled, setToken };
}
