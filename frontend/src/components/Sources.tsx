/** The expandable "sources" view under an answer: tools called, their arguments and figures. */
import type { Source } from "../api/types";
import { toolLabel, type Lang, type Strings } from "../i18n";
import { ScrollTable } from "../lib/ScrollTable";

const MAX_ROWS = 8;

function formatValue(value: unknown, lang: Lang): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "number") return value.toLocaleString(lang === "de" ? "de-DE" : "en-GB", { maximumFractionDigits: 2 });
  if (typeof value === "boolean") return value ? "✓" : "✗";
  if (typeof value === "string") return value;
  if (typeof value === "object" && value && "label" in value) return String((value as { label: unknown }).label);
  return JSON.stringify(value);
}

function humanKey(key: string): string {
  return key.replace(/_/g, " ");
}

function isRowList(value: unknown): value is Array<Record<string, unknown>> {
  return Array.isArray(value) && value.length > 0 && value.every((v) => v && typeof v === "object" && !Array.isArray(v));
}

function RowTable({ rows, lang, t }: { rows: Array<Record<string, unknown>>; lang: Lang; t: Strings }) {
  const columns = Array.from(new Set(rows.flatMap((r) => Object.keys(r)))).filter((c) =>
    rows.some((r) => r[c] !== null && typeof r[c] !== "object"),
  );
  const shown = rows.slice(0, MAX_ROWS);
  const numeric = (c: string) => rows.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === "number");
  return (
    <div className="sf-source-table">
      <ScrollTable t={t}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col" className={numeric(c) ? "sf-num" : undefined}>
                {humanKey(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((row, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c} className={typeof row[c] === "number" ? "sf-num" : undefined}>
                  {formatValue(row[c], lang)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </ScrollTable>
      {rows.length > MAX_ROWS && <p className="sf-more">{t.moreRows(rows.length - MAX_ROWS)}</p>}
    </div>
  );
}

interface SemanticResult {
  totals: Record<string, unknown>;
  rows: Array<{ group: Record<string, unknown>; values: Record<string, unknown> }>;
}

/** A semantic query's result (query_business): totals as figures, groups as one table. */
function isSemantic(result: Record<string, unknown>): result is Record<string, unknown> & SemanticResult {
  return !!result.totals && typeof result.totals === "object" && Array.isArray(result.rows);
}

function SourceCard({ source, lang, t }: { source: Source; lang: Lang; t: Strings }) {
  const args = Object.entries(source.arguments ?? {}).filter(([, v]) => v !== null && v !== undefined && v !== "");
  const result = (source.result ?? {}) as Record<string, unknown>;
  const semantic = isSemantic(result);
  const scalars = semantic
    ? Object.entries(result.totals)
    : Object.entries(result).filter(([, v]) => v !== null && (typeof v !== "object" || (v && "label" in (v as object))));
  const lists = (
    semantic
      ? result.rows.length > 0
        ? [["rows", result.rows.map((r) => ({ ...r.group, ...r.values }))]]
        : []
      : Object.entries(result).filter(([, v]) => isRowList(v))
  ) as Array<[string, Array<Record<string, unknown>>]>;
  return (
    <li className="sf-source">
      <div className="sf-source-head">
        <span className="sf-tool">{toolLabel(lang, source.tool)}</span>
        <code className="sf-tool-id">{source.tool}</code>
      </div>
      {source.error && <p className="sf-source-error">{source.error}</p>}
      {args.length > 0 && (
        <div className="sf-args" aria-label={t.arguments}>
          <span className="sf-mini-title">{t.arguments}</span>
          <ul className="sf-chips">
            {args.map(([k, v]) => (
              <li key={k}>
                <span>{humanKey(k)}</span> {formatValue(v, lang)}
              </li>
            ))}
          </ul>
        </div>
      )}
      {scalars.length > 0 && (
        <div>
          <span className="sf-mini-title">{t.figures}</span>
          <dl className="sf-figures">
            {scalars.map(([k, v]) => (
              <div key={k}>
                <dt>{humanKey(k)}</dt>
                <dd>{formatValue(v, lang)}</dd>
              </div>
            ))}
          </dl>
        </div>
      )}
      {lists.map(([k, rows]) => (
        <div key={k}>
          <span className="sf-mini-title">{humanKey(k)}</span>
          <RowTable rows={rows} lang={lang} t={t} />
        </div>
      ))}
      {source.facts_used && source.facts_used.length > 0 && (
        <div>
          <span className="sf-mini-title">{t.factsUsed}</span>
          <ul className="sf-facts-used">
            {source.facts_used.map((f, i) => (
              <li key={i}>{String(f.text ?? f.kind ?? "")}</li>
            ))}
          </ul>
        </div>
      )}
    </li>
  );
}

export function Sources({ sources, lang, t }: { sources: Source[]; lang: Lang; t: Strings }) {
  if (sources.length === 0) return null;
  return (
    <details className="sf-sources">
      <summary>
        <svg viewBox="0 0 16 16" aria-hidden="true" className="sf-icon">
          <path d="M3 2.5h7l3 3v8H3z M10 2.5v3h3" fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinejoin="round" />
        </svg>
        {t.sources(sources.length)}
      </summary>
      <p className="sf-sources-title">{t.sourcesTitle}</p>
      <ul className="sf-source-list">
        {sources.map((s, i) => (
          <SourceCard key={i} source={s} lang={lang} t={t} />
        ))}
      </ul>
    </details>
  );
}
