/** Marks the words the assistant did not understand inside a question. */
import type { ReactNode } from "react";

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Splits `text` around every (case-insensitive) occurrence of `terms`; `mark` wraps each hit. */
export function markTerms(text: string, terms: string[] | undefined, mark: (hit: string, key: number) => ReactNode): ReactNode[] {
  const wanted = (terms ?? []).map((t) => t.trim()).filter(Boolean);
  if (wanted.length === 0) return [text];
  // Longest first, so "dead stock" wins over "dead".
  const pattern = new RegExp(`(${wanted.sort((a, b) => b.length - a.length).map(escape).join("|")})`, "giu");
  return text.split(pattern).map((part, i) => (i % 2 === 1 ? mark(part, i) : part));
}

/** The wavy-underlined word with a "not understood" tooltip. */
export function UnknownTerm({ word, title }: { word: string; title: string }) {
  return (
    <>
      <span className="sf-unknown" title={title} data-testid="unknown-term">
        {word}
      </span>
      <span className="sf-sr-only"> ({title})</span>
    </>
  );
}
