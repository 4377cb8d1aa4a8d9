import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Markdown } from "../src/lib/markdown";

const ANSWER = `You have **645 pairs** in inventory, worth **€81,854.93** at cost.

| Brand | Pairs | Value |
| --- | --- | --- |
| Nike | 129 | €17,099.64 |
| Jordan | 93 | €16,274.30 |

- first point
- second \`point\``;

describe("Markdown", () => {
  it("renders pipe tables as real tables with numeric columns right-aligned", () => {
    render(<Markdown text={ANSWER} />);
    const table = screen.getByRole("table");
    const headers = within(table).getAllByRole("columnheader").map((th) => th.textContent);
    expect(headers).toEqual(["Brand", "Pairs", "Value"]);
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(3);
    const cells = within(rows[1]).getAllByRole("cell");
    expect(cells.map((c) => c.textContent)).toEqual(["Nike", "129", "€17,099.64"]);
    expect(cells[0].style.textAlign).toBe("left");
    expect(cells[1].style.textAlign).toBe("right");
    expect(cells[2].style.textAlign).toBe("right");
  });

  it("renders bold, lists and code, and never raw HTML", () => {
    const { container } = render(<Markdown text={`${ANSWER}\n\n<img src=x onerror=alert(1)>`} />);
    expect(container.querySelector("strong")?.textContent).toBe("645 pairs");
    expect(container.querySelectorAll("li")).toHaveLength(2);
    expect(container.querySelector("code")?.textContent).toBe("point");
    expect(container.querySelector("img")).toBeNull();
    expect(container.textContent).toContain("<img src=x onerror=alert(1)>");
  });

  it("keeps a table that is still streaming in (no body rows yet)", () => {
    render(<Markdown text={"| Month | Revenue |\n| --- | --- |"} />);
    expect(screen.getAllByRole("columnheader").map((th) => th.textContent)).toEqual(["Month", "Revenue"]);
  });

  it("keeps escaped pipes inside a cell", () => {
    render(<Markdown text={"| a \\| b | c |\n| --- | --- |\n| 1 | 2 |"} />);
    expect(screen.getAllByRole("columnheader").map((th) => th.textContent)).toEqual(["a | b", "c"]);
  });

  it("renders links (opening in a new tab), code blocks and nested lists", () => {
    const text = [
      "See [the fee table](https://soleflip.example/fees) for details.",
      "",
      "```",
      "price = cost * 1.2",
      "```",
      "",
      "- Nike",
      "  - Dunk Low: 12 pairs",
      "  - Air Max 1: 3 pairs",
      "- Jordan",
    ].join("\n");
    const { container } = render(<Markdown text={text} />);
    const link = screen.getByRole("link", { name: "the fee table" });
    expect(link.getAttribute("href")).toBe("https://soleflip.example/fees");
    expect(link.getAttribute("target")).toBe("_blank");
    expect(link.getAttribute("rel")).toContain("noopener");
    expect(container.querySelector("pre code")?.textContent).toBe("price = cost * 1.2\n");
    const nested = container.querySelectorAll("ul ul li");
    expect(Array.from(nested).map((li) => li.textContent)).toEqual(["Dunk Low: 12 pairs", "Air Max 1: 3 pairs"]);
  });

  it("drops javascript: links", () => {
    render(<Markdown text="[click me](javascript:alert(1))" />);
    const link = screen.queryByRole("link");
    expect(link?.getAttribute("href") ?? "").not.toContain("javascript");
  });

  it("puts each table in a scrollable, focusable region", () => {
    render(<Markdown text={ANSWER} />);
    const region = screen.getByRole("region", { name: "Table" });
    expect(region.getAttribute("tabindex")).toBe("0");
    expect(within(region).getByRole("table")).toBeTruthy();
  });
});
