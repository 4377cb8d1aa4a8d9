/** localStorage that never throws (private mode, disabled storage): nothing kept is fine. */
export function readStorage(key: string | undefined): string | null {
  if (!key) return null;
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function writeStorage(key: string | undefined, value: string | null): void {
  if (!key) return;
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    /* private mode: nothing to keep */
  }
}
