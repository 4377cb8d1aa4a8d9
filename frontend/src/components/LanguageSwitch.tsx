import type { Lang, Strings } from "../i18n";

export function LanguageSwitch({
  lang,
  onChange,
  t,
  floating = false,
}: {
  lang: Lang;
  onChange: (lang: Lang) => void;
  t: Strings;
  floating?: boolean;
}) {
  return (
    <div className={`sf-lang${floating ? " sf-lang-floating" : ""}`} role="group" aria-label={t.language}>
      {(["en", "de"] as Lang[]).map((l) => (
        <button key={l} type="button" aria-pressed={lang === l} onClick={() => onChange(l)} lang={l}>
          {l.toUpperCase()}
        </button>
      ))}
    </div>
  );
}
