import { describe, expect, it } from "vitest";
import { SSEParser } from "../src/api/sse";

describe("SSEParser", () => {
  it("parses events split across chunks in any place", () => {
    const text =
      'event: start\ndata: {"conversation_id":"c1","provider":"builtin","model":"m"}\n\n' +
      'event: delta\ndata: {"text":"You have **645"}\n\n' +
      'event: delta\ndata: {"text":" pairs**"}\n\n';
    for (let cut = 1; cut < text.length; cut += 7) {
      const parser = new SSEParser();
      const events = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut)), ...parser.flush()];
      expect(events.map((e) => e.event)).toEqual(["start", "delta", "delta"]);
      expect(events.slice(1).map((e) => (e.data as { text: string }).text).join("")).toBe("You have **645 pairs**");
    }
  });

  it("handles CRLF line ends, comments and a last event without blank line", () => {
    const parser = new SSEParser();
    const events = parser.push(': keep-alive\r\n\r\nevent: delta\r\ndata: {"text":"a"}\r\n\r\nevent: final\r\ndata: {"response":"a"}');
    expect(events).toHaveLength(1);
    const rest = parser.flush();
    expect(rest[0].event).toBe("final");
  });

  it("skips data that is not JSON instead of throwing", () => {
    const parser = new SSEParser();
    expect(parser.push("event: delta\ndata: not json\n\n")).toEqual([]);
  });
});
