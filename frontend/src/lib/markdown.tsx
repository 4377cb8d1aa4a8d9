/**
 * A deliberately small Markdown renderer for assistant answers: paragraphs, headings,
 * bullet and numbered lists, pipe tables, **bold**, *italic* and `code`. It builds React
 * elements (never HTML strings), so nothing in an answer can inject markup.
 */
import type { ReactNode } from "react";

type Block =
  | { type: "p"; text: string }
  | { type: "h"; level: number; text: string }
  | { type: "ul" | "ol"; items: string[] }
  | { type: "table"; header: string[]; align: Array<"left" | "right" | "center" | null>; rows: string[][] };

const TABLE_SEPARATOR = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

export function splitRow(line: string): string[] {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  const cells: string[] = [];
  let current = "";
  for (let i = 0; i < row.length; i++) {
    if (row[i] === "\\" && row[i + 1] === "|") {
      current += "|";
      i++;
    } else if (row[i] === "|") {
      cells.push(current.trim());
      current = "";
    } else {
      current += row[i];
    }
  }
  cells.push(current.trim());
  return cells;
}

export function parseBlocks(markdown: string): Block[] {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i++;
      continue;
    }
    // Pipe table: a row, then a separator row.
    if (line.includes("|") && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1]) && lines[i + 1].includes("-")) {
      const header = splitRow(line);
      const align = splitRow(lines[i + 1]).map((cell) => {
        const left = cell.startsWith(":");
        const right = cell.endsWith(":");
        return left && right ? "center" : right ? "right" : left ? "left" : null;
      });
      const rows: string[][] = [];
      i += 2;
      while (i < lines.length && lines[i].trim() && lines[i].includes("|")) {
        rows.push(splitRow(lines[i]));
        i++;
      }
      blocks.push({ type: "table", header, align, rows });
      continue;
    }
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    if (heading) {
      blocks.push({ type: "h", level: heading[1].length, text: heading[2] });
      i++;
      continue;
    }
    if (/^\s*[-*•]\s+/.test(line) || /^\s*\d+[.)]\s+/.test(line)) {
      const ordered = /^\s*\d+[.)]\s+/.test(line);
      const pattern = ordered ? /^\s*\d+[.)]\s+/ : /^\s*[-*•]\s+/;
      const items: string[] = [];
      while (i < lines.length && pattern.test(lines[i])) {
        items.push(lines[i].replace(pattern, ""));
        i++;
      }
      blocks.push({ type: ordered ? "ol" : "ul", items });
      continue;
    }
    const paragraph: string[] = [];
    while (
      i < lines.length &&
      lines[i].trim() &&
      !/^(#{1,4})\s/.test(lines[i]) &&
      !/^\s*([-*•]|\d+[.)])\s+/.test(lines[i]) &&
      !(lines[i].includes("|") && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1]))
    ) {
      paragraph.push(lines[i]);
      i++;
    }
    blocks.push({ type: "p", text: paragraph.join("\n") });
  }
  return blocks;
}

/** Inline formatting: `code`, **bold**, *italic* / _italic_, line breaks. */
export function renderInline(text: string, keyPrefix = "i"): ReactNode[] {
  const out: ReactNode[] = [];
  const pattern = /(`[^`]+`|\*\*[^*]+\*\*|__[^_]+__|\*[^*\s][^*]*\*|_[^_\s][^_]*_|\n)/g;
  let last = 0;
  let n = 0;
  for (const match of text.matchAll(pattern)) {
    const index = match.index ?? 0;
    if (index > last) out.push(text.slice(last, index));
    const token = match[0];
    const key = `${keyPrefix}-${n++}`;
    if (token === "\n") out.push(<br key={key} />);
    else if (token.startsWith("`")) out.push(<code key={key}>{token.slice(1, -1)}</code>);
    else if (token.startsWith("**") || token.startsWith("__"))
      out.push(<strong key={key}>{renderInline(token.slice(2, -2), key)}</strong>);
    else out.push(<em key={key}>{renderInline(token.slice(1, -1), key)}</em>);
    last = index + token.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const NUMERIC = /^[-+−]?[€$£]?\s?[-+−]?[\d.,\s]+\s?(%|€|\$|pairs?|Paare?)?$/i;

export function isNumericCell(text: string): boolean {
  const plain = text.replace(/[*_`]/g, "").trim();
  return plain.length > 0 && /\d/.test(plain) && NUMERIC.test(plain);
}

export function Markdown({ text }: { text: string }) {
  const blocks = parseBlocks(text);
  return (
    <div className="sf-md">
      {blocks.map((block, b) => {
        const key = `b${b}`;
        switch (block.type) {
          case "h": {
            const Tag = (block.level <= 2 ? "h3" : "h4") as "h3" | "h4";
            return <Tag key={key}>{renderInline(block.text, key)}</Tag>;
          }
          case "ul":
          case "ol": {
            const Tag = block.type;
            return (
              <Tag key={key}>
                {block.items.map((item, j) => (
                  <li key={j}>{renderInline(item, `${key}-${j}`)}</li>
                ))}
              </Tag>
            );
          }
          case "table": {
            const numericColumn = block.header.map(
              (_, c) => block.rows.length > 0 && block.rows.every((row) => !row[c] || isNumericCell(row[c])),
            );
            const alignOf = (c: number) => block.align[c] ?? (numericColumn[c] ? "right" : "left");
            return (
              <div className="sf-table-wrap" key={key} tabIndex={0} role="region" aria-label="table">
                <table>
                  <thead>
                    <tr>
                      {block.header.map((cell, c) => (
                        <th key={c} style={{ textAlign: alignOf(c) }} scope="col">
                          {renderInline(cell, `${key}-h${c}`)}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {block.rows.map((row, r) => (
                      <tr key={r}>
                        {block.header.map((_, c) => (
                          <td key={c} style={{ textAlign: alignOf(c) }}>
                            {renderInline(row[c] ?? "", `${key}-${r}-${c}`)}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            );
          }
          default:
            return <p key={key}>{renderInline(block.text, key)}</p>;
        }
      })}
    </div>
  );
}
