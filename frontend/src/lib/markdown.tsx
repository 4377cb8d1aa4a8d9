/**
 * Assistant answers as Markdown, rendered by react-markdown with GitHub-flavoured tables, lists,
 * links and code (remark-gfm). Raw HTML in an answer is shown as text, never as markup (no
 * rehype-raw), and link URLs go through react-markdown's safe URL filter.
 */
import type { Element, ElementContent, Root, RootContent } from "hast";
import type { ReactNode } from "react";
import ReactMarkdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";
import { STRINGS, type Strings } from "../i18n";
import { ScrollTable } from "./ScrollTable";

const NUMERIC = /^[-+−]?[€$£]?\s?[-+−]?[\d.,\s]+\s?(%|€|\$|£|pairs?|Paare?)?$/i;

/** "129", "€17,099.64", "12 %", "4 pairs": a cell that should line up on the right. */
export function isNumericCell(text: string): boolean {
  const plain = text.trim();
  return plain.length > 0 && /\d/.test(plain) && NUMERIC.test(plain);
}

function textOf(node: ElementContent): string {
  if (node.type === "text") return node.value;
  if (node.type === "element") return node.children.map(textOf).join("");
  return "";
}

const elements = (nodes: RootContent[], tag?: string): Element[] =>
  nodes.filter((n): n is Element => n.type === "element" && (!tag || n.tagName === tag));

/** Rows of a table element, header row first. */
function rowsOf(table: Element): Element[] {
  return elements(table.children).flatMap((section) => elements(section.children, "tr"));
}

/**
 * A rehype step: columns whose body cells are all numbers align right, others left, unless the
 * Markdown set an alignment (`| ---: |`). Hand-written because no maintained plugin does this.
 */
function rehypeNumericColumns() {
  const visit = (node: Root | Element) => {
    for (const child of elements(node.children)) {
      if (child.tagName === "table") alignTable(child);
      else visit(child);
    }
  };
  return (tree: Root) => visit(tree);
}

function alignTable(table: Element) {
  const [header, ...body] = rowsOf(table).map((row) => elements(row.children));
  if (!header) return;
  header.forEach((_, column) => {
    const cells = body.map((row) => row[column]).filter(Boolean);
    const numeric = cells.length > 0 && cells.every((cell) => !textOf(cell).trim() || isNumericCell(textOf(cell)));
    for (const cell of [header[column], ...cells]) {
      if (!cell.properties.align) cell.properties.align = numeric ? "right" : "left";
    }
  });
}

function components(t: Strings): Components {
  return {
    table: ({ children }) => <ScrollTable t={t}>{children}</ScrollTable>,
    a: ({ href, children }) => (
      <a href={href} target="_blank" rel="noopener noreferrer nofollow">
        {children}
      </a>
    ),
    h1: ({ children }) => <h3>{children}</h3>,
    h2: ({ children }) => <h3>{children}</h3>,
    h3: ({ children }) => <h4>{children}</h4>,
    img: ({ alt }) => <span>{alt}</span>,
  };
}

export function Markdown({ text, t = STRINGS.en }: { text: string; t?: Strings }): ReactNode {
  return (
    <div className="sf-md">
      <ReactMarkdown remarkPlugins={[remarkGfm]} rehypePlugins={[rehypeNumericColumns]} components={components(t)}>
        {text}
      </ReactMarkdown>
    </div>
  );
}
