/** The UI language: fixed by the host, else the saved choice, else the browser's. */
import { useState } from "react";
import { browserLanguage, STRINGS, type Lang } from "../i18n";
import { readStorage, writeStorage } from "../lib/storage";

export function useLanguage(fixed: Lang | undefined, storageKey: string | undefined) {
  const key = storageKey ? `${storageKey}.lang` : undefined;
  const [chosen, setChosen] = useState<Lang>(() => {
    const saved = readStorage(key);
    return saved === "de" || saved === "en" ? saved : browserLanguage();
  });
  const lang: Lang = fixed ?? chosen;

  function switchLanguage(next: Lang) {
    setChosen(next);
    writeStorage(key, next);
  }

  return { lang, t: STRINGS[lang], switchLanguage, switchable: !fixed };
}
