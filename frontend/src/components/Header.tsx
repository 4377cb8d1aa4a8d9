/**
 * The top bar: conversations menu (narrow screens), brand, language, Insights, Memory, sign-out.
 * On a phone the actions fold into one "More" menu so memory and sign-out stay one tap away.
 */
import { forwardRef, useEffect, useRef, useState } from "react";
import type { Lang, Strings } from "../i18n";
import { LanguageSwitch } from "./LanguageSwitch";
import { Logo } from "./Logo";

export type Panel = "memory" | "insights";

interface HeaderProps {
  lang: Lang;
  t: Strings;
  switchable: boolean;
  onLanguage: (lang: Lang) => void;
  sidebarOpen: boolean;
  onToggleSidebar: () => void;
  panel: Panel | null;
  onTogglePanel: (panel: Panel) => void;
  onSignOut: (() => void) | null;
}

const MemoryIcon = () => (
  <svg viewBox="0 0 16 16" aria-hidden="true" className="sf-icon">
    <path
      d="M8 2.2c-2.6 0-4.6 1.9-4.6 4.3 0 1.4.7 2.5 1.7 3.3V12h5.8V9.8c1-.8 1.7-1.9 1.7-3.3 0-2.4-2-4.3-4.6-4.3zM6 14h4"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.3"
      strokeLinecap="round"
    />
  </svg>
);

const InsightsIcon = () => (
  <svg viewBox="0 0 16 16" aria-hidden="true" className="sf-icon">
    <path d="M2.5 13.5h11M4 11V8M8 11V4M12 11V6.5" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
  </svg>
);

export const Header = forwardRef<HTMLButtonElement, HeaderProps>(function Header(props, memoryButtonRef) {
  const { lang, t, switchable, onLanguage, sidebarOpen, onToggleSidebar, panel, onTogglePanel, onSignOut } = props;
  return (
    <header className="sf-header">
      <button
        type="button"
        className="sf-icon-button sf-menu-button"
        aria-label={t.menu}
        aria-expanded={sidebarOpen}
        onClick={onToggleSidebar}
      >
        <svg viewBox="0 0 16 16" aria-hidden="true" className="sf-icon">
          <path d="M2.5 4h11M2.5 8h11M2.5 12h11" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
        </svg>
      </button>
      <div className="sf-brand">
        <Logo size={28} />
        <span>
          Sole<b>Flip</b> <span className="sf-brand-sub">{lang === "de" ? "Assistent" : "Assistant"}</span>
        </span>
      </div>
      <div className="sf-header-actions sf-hide-narrow">
        {switchable && <LanguageSwitch lang={lang} onChange={onLanguage} t={t} />}
        <button
          type="button"
          className={`sf-ghost${panel === "insights" ? " sf-active" : ""}`}
          aria-expanded={panel === "insights"}
          onClick={() => onTogglePanel("insights")}
        >
          <InsightsIcon />
          <span>{t.insights}</span>
        </button>
        <button
          ref={memoryButtonRef}
          type="button"
          className={`sf-ghost${panel === "memory" ? " sf-active" : ""}`}
          aria-expanded={panel === "memory"}
          onClick={() => onTogglePanel("memory")}
        >
          <MemoryIcon />
          <span>{t.memory}</span>
        </button>
        {onSignOut && (
          <button type="button" className="sf-ghost" onClick={onSignOut}>
            {t.signOut}
          </button>
        )}
      </div>
      <HeaderMenu {...props} />
    </header>
  );
});

/** Arrow keys walk the menu items, wrapping around (the menu button pattern). */
function moveFocus(root: HTMLElement | null, step: number) {
  const items = Array.from(root?.querySelectorAll<HTMLElement>("[role=menuitem]") ?? []);
  if (items.length === 0) return;
  const at = items.indexOf(document.activeElement as HTMLElement);
  items[(at + step + items.length) % items.length].focus();
}

/** The phone's "More" menu: the same actions as the desktop header, as a menu. */
function HeaderMenu({ lang, t, switchable, onLanguage, panel, onTogglePanel, onSignOut }: HeaderProps) {
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const firstItem = useRef<HTMLButtonElement>(null);
  const toggleRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    firstItem.current?.focus();
    const outside = (event: PointerEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", outside);
    return () => document.removeEventListener("pointerdown", outside);
  }, [open]);

  const choose = (action: () => void) => () => {
    setOpen(false);
    action();
  };

  return (
    <div
      className="sf-more sf-show-narrow"
      ref={rootRef}
      onKeyDown={(e) => {
        if (!open) return;
        if (e.key === "Escape") {
          e.stopPropagation();
          setOpen(false);
          toggleRef.current?.focus();
        } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          e.preventDefault();
          moveFocus(rootRef.current, e.key === "ArrowDown" ? 1 : -1);
        }
      }}
    >
      <button
        ref={toggleRef}
        type="button"
        className="sf-icon-button"
        aria-label={t.more}
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        <svg viewBox="0 0 16 16" aria-hidden="true" className="sf-icon">
          <circle cx="8" cy="3.5" r="1.4" fill="currentColor" />
          <circle cx="8" cy="8" r="1.4" fill="currentColor" />
          <circle cx="8" cy="12.5" r="1.4" fill="currentColor" />
        </svg>
      </button>
      {open && (
        <div className="sf-more-menu" role="menu" aria-label={t.more}>
          <button ref={firstItem} type="button" role="menuitem" onClick={choose(() => onTogglePanel("memory"))} aria-current={panel === "memory" || undefined}>
            <MemoryIcon /> {t.memory}
          </button>
          <button type="button" role="menuitem" onClick={choose(() => onTogglePanel("insights"))} aria-current={panel === "insights" || undefined}>
            <InsightsIcon /> {t.insights}
          </button>
          {switchable && (
            <button type="button" role="menuitem" lang={lang === "en" ? "de" : "en"} onClick={choose(() => onLanguage(lang === "en" ? "de" : "en"))}>
              {lang === "en" ? "Deutsch" : "English"}
            </button>
          )}
          {onSignOut && (
            <button type="button" role="menuitem" onClick={choose(onSignOut)}>
              {t.signOut}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
