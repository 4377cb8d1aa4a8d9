/** A wide table scrolls sideways inside its card, with a hint while columns are hidden. */
import { useLayoutEffect, useRef, useState, type ReactNode } from "react";
import type { Strings } from "../i18n";

export function ScrollTable({ t, children }: { t: Strings; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [hidden, setHidden] = useState({ left: false, right: false });

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const right = el.scrollWidth - el.clientWidth - el.scrollLeft > 1;
      const left = el.scrollLeft > 1;
      setHidden((h) => (h.left === left && h.right === right ? h : { left, right }));
    };
    measure();
    el.addEventListener("scroll", measure, { passive: true });
    const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(measure);
    observer?.observe(el);
    if (el.firstElementChild) observer?.observe(el.firstElementChild);
    return () => {
      el.removeEventListener("scroll", measure);
      observer?.disconnect();
    };
  }, []);

  const classes = ["sf-table-wrap", hidden.left ? "sf-more-left" : "", hidden.right ? "sf-more-right" : ""];
  return (
    <div className="sf-table-card">
      <div ref={ref} className={classes.filter(Boolean).join(" ")} tabIndex={0} role="region" aria-label={t.table}>
        <table>{children}</table>
      </div>
      {(hidden.left || hidden.right) && (
        <p className="sf-scroll-hint" data-testid="table-scroll-hint">
          {hidden.left && "← "}
          {t.tableScrollHint}
          {hidden.right && " →"}
        </p>
      )}
    </div>
  );
}
