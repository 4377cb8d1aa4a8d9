/** A fake SoleFlip API for component tests: routes "METHOD /path" to fixture responses. */
import { fireEvent, screen } from "@testing-library/react";
import { vi } from "vitest";

export type Call = { url: string; method: string; body: unknown; headers: Record<string, string> };

export function sse(events: Array<[string, unknown]>): string {
  return events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join("");
}

/** A Response whose body arrives in several chunks, like a real stream. */
export function streamResponse(text: string, chunk = 17): Response {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
  return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
}

export const json = (data: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(status === 204 ? null : JSON.stringify(data), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });

export const FINAL = (text: string, conversation = "conv-1") => ({
  response: text,
  intent: "inventory",
  tokens_used: 10,
  model: "soleflip-builtin-1",
  conversation_id: conversation,
  provider: "builtin",
  fallback: false,
  language: "en",
  sources: [{ tool: "inventory_summary", arguments: { brand: null, dead_stock_days: 60 }, result: { units_in_inventory: 645 }, facts_used: [] }],
  memory_used: [],
  suggestions: ["How many are Nike?"],
  latency_ms: 12,
});

export function fakeServer(overrides: Partial<Record<string, (call: Call) => Response>> = {}) {
  const calls: Call[] = [];
  const routes: Record<string, (call: Call) => Response> = {
    "POST /auth/token": () => json({ access_token: "tok-1", token_type: "bearer" }),
    "GET /ai/conversations": () => json({ items: [], total: 0, limit: 50, offset: 0 }),
    "GET /ai/suggestions/inventory": () => json({ category: "inventory", suggestions: ["What are my 645 pairs in inventory worth?"] }),
    "GET /ai/suggestions/pricing": () => json({ category: "pricing", suggestions: ["What should I list my Jordans at?"] }),
    "POST /ai/query/stream": () =>
      streamResponse(
        sse([
          ["start", { conversation_id: "conv-1", provider: "builtin", model: "m" }],
          ["tool_call", { id: "t1", name: "inventory_summary", arguments: {} }],
          ["tool_result", { id: "t1", name: "inventory_summary", arguments: {}, result: { units_in_inventory: 645 }, facts_used: [] }],
          ["delta", { text: "You have **645 pairs** " }],
          ["delta", { text: "in inventory." }],
          ["final", FINAL("You have **645 pairs** in inventory.")],
        ]),
      ),
    "POST /ai/conversation/stream": () =>
      streamResponse(
        sse([
          ["start", { conversation_id: "conv-1", provider: "builtin", model: "m" }],
          ["delta", { text: "129 are Nike." }],
          ["final", FINAL("129 are Nike.")],
        ]),
      ),
    "GET /ai/memory/status": () =>
      json({ memory_enabled: true, backend: "sql", conversation_count: 1, message_count: 2, fact_count: 1 }),
    "GET /ai/memory": () =>
      json({
        items: [{ id: 7, kind: "dead_stock_threshold", value: 45, text: "anything older than 45 days counts as dead stock for me", valid_from: "2026-11-24T10:00:00Z" }],
        total: 1,
        limit: 200,
        offset: 0,
      }),
    "DELETE /ai/memory/clear": () => json(null, 204),
    ...overrides,
  };
  const fetchImpl = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://test");
    const method = (init?.method ?? "GET").toUpperCase();
    const raw = init?.body;
    const body = typeof raw === "string" ? JSON.parse(raw) : raw instanceof URLSearchParams ? Object.fromEntries(raw) : raw;
    const call = { url: url.pathname + url.search, method, body, headers: (init?.headers ?? {}) as Record<string, string> };
    calls.push(call);
    const handler = routes[`${method} ${url.pathname}`];
    if (!handler) return json({ error: { code: "not_found", message: "no route" } }, 404);
    return handler(call);
  });
  return { fetchImpl: fetchImpl as unknown as typeof fetch, calls };
}

export async function signIn() {
  fireEvent.change(screen.getByLabelText("Email"), { target: { value: "demo@soleflip.dev" } });
  fireEvent.change(screen.getByLabelText("Password"), { target: { value: "soleflip-demo" } });
  fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
  await screen.findByRole("heading", { name: "What would you like to know?" });
}

export const composer = () => screen.getByRole("textbox", { name: /Ask about stock/ }) as HTMLTextAreaElement;

