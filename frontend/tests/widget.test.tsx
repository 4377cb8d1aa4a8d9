/** The views of issues 9 and 13 against fixture responses shaped like the backend contract. */
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import type { InsightsResponse, Interpretation } from "../src/api/pending";
import { AIAssistant } from "../src/components/AIAssistant";
import { composer, FINAL, fakeServer, json, signIn, sse, streamResponse, type Call } from "./fakeServer";

const INTERPRETATION: Interpretation = {
  text: "Pairs sold by size, last month, all platforms",
  metrics: ["units_sold"],
  filters: { brand: ["Jordan"] },
  group_by: ["size"],
  window: { start: "2026-11-01T00:00:00Z", end: "2026-12-01T00:00:00Z", label: "last month" },
  unknown_terms: ["depop"],
  understood: "partial",
};

const answerWith = (interpretation: Interpretation | undefined) => () =>
  streamResponse(
    sse([
      ["start", { conversation_id: "conv-1", provider: "builtin", model: "m" }],
      ["delta", { text: "You sold 12 pairs." }],
      ["final", { ...FINAL("You sold 12 pairs."), ...(interpretation ? { interpretation } : {}) }],
    ]),
  );

const VOCABULARY = {
  items: [{ id: 1, term: "bricks", means: "dead stock", text: '"bricks" means dead stock', created_at: "2026-12-01T10:00:00Z" }],
  total: 1,
  limit: 200,
  offset: 0,
};

const UNANSWERED = {
  items: [
    {
      id: 5,
      question: "How many Jordans did I sell on Depop last month?",
      unknown_terms: ["depop"],
      understood: "partial",
      conversation_id: "conv-9",
      created_at: "2026-12-02T09:00:00Z",
    },
  ],
  total: 1,
  limit: 20,
  offset: 0,
};

const INSIGHTS: InsightsResponse = {
  generated_at: "2026-12-03T06:00:00Z",
  language: "en",
  items: [
    {
      type: "dead_stock_crossed",
      severity: "warning",
      headline: "4 pairs became dead stock this week",
      explanation: "They have been in inventory for more than 60 days.",
      figures: { units: 4, value: "812.00" },
      sources: [],
      follow_up: "Which pairs crossed 60 days this week?",
    },
  ],
};

const notFound = () => json({ error: { code: "not_found", message: "Not Found", details: [], request_id: "r1" } }, 404);

async function ask(question: string) {
  fireEvent.change(composer(), { target: { value: question } });
  fireEvent.keyDown(composer(), { key: "Enter" });
  const answers = await screen.findAllByTestId("assistant-message");
  const answer = answers[answers.length - 1];
  await waitFor(() => expect(answer.dataset.state).toBe("done"));
  return answer;
}

async function openMemoryTab(name: string) {
  fireEvent.click(screen.getByRole("button", { name: "Memory" }));
  const panel = await screen.findByRole("complementary", { name: "What I remember" });
  fireEvent.click(within(panel).getByRole("tab", { name }));
  return panel;
}

beforeEach(() => {
  window.localStorage.clear();
  Object.defineProperty(window.navigator, "languages", { value: ["en-US"], configurable: true });
  Object.defineProperty(window.navigator, "onLine", { value: true, configurable: true });
});

describe("how the assistant read the question", () => {
  it("restates the question above the answer and marks the words it did not understand", async () => {
    const { fetchImpl } = fakeServer({ "POST /ai/query/stream": answerWith(INTERPRETATION) });
    render(<AIAssistant fetchImpl={fetchImpl} />);
    await signIn();
    const answer = await ask("How many Jordans did I sell on Depop last month by size?");
    expect(within(answer).getByTestId("interpretation").textContent).toBe("Answered: Pairs sold by size, last month, all platforms");
    const question = screen.getByTestId("user-message");
    const unknown = within(question).getByTestId("unknown-term");
    expect(unknown.getAttribute("title")).toBe("not understood");
    // Screen readers hear it too; the question itself is unchanged around the mark.
    expect(unknown.textContent).toBe("Depop");
    expect(question.textContent).toBe("How many Jordans did I sell on Depop (not understood) last month by size?");
  });

  it("says it in German too", async () => {
    const { fetchImpl } = fakeServer({ "POST /ai/query/stream": answerWith(INTERPRETATION) });
    render(<AIAssistant fetchImpl={fetchImpl} token="tok" language="de" />);
    await screen.findByRole("heading", { name: "Was möchtest du wissen?" });
    fireEvent.change(screen.getByRole("textbox"), { target: { value: "Wie viele Paare über Depop?" } });
    fireEvent.keyDown(screen.getByRole("textbox"), { key: "Enter" });
    const interpretation = await screen.findByTestId("interpretation");
    expect(interpretation.textContent).toBe("Beantwortet: Pairs sold by size, last month, all platforms");
    expect(screen.getByTestId("unknown-term").getAttribute("title")).toBe("nicht verstanden");
  });

  it("shows neither line nor marks for an answer without an interpretation", async () => {
    const { fetchImpl } = fakeServer({ "POST /ai/query/stream": answerWith(undefined) });
    render(<AIAssistant fetchImpl={fetchImpl} />);
    await signIn();
    const answer = await ask("How many pairs on depop?");
    expect(within(answer).queryByTestId("interpretation")).toBeNull();
    expect(screen.queryByTestId("unknown-term")).toBeNull();
  });
});

describe("words I taught", () => {
  it("lists taught words, removes one, and teaches a new one", async () => {
    let taught = 0;
    const { fetchImpl, calls } = fakeServer({
      "GET /ai/vocabulary": () => json(VOCABULARY),
      "DELETE /ai/vocabulary/1": () => json(null, 204),
      "POST /ai/vocabulary": (call: Call) => {
        taught += 1;
        const body = call.body as { term: string; means: string };
        return json({ id: 2, ...body, text: `"${body.term}" means ${body.means}`, created_at: "2026-12-03T10:00:00Z" }, 201);
      },
    });
    render(<AIAssistant fetchImpl={fetchImpl} />);
    await signIn();
    const panel = await openMemoryTab("Words I taught");
    expect(await within(panel).findByText('"bricks" means dead stock')).toBeTruthy();

    fireEvent.click(within(panel).getByRole("button", { name: "Remove “bricks”" }));
    await waitFor(() => expect(within(panel).queryByText('"bricks" means dead stock')).toBeNull());
    expect(calls.some((c) => c.method === "DELETE" && c.url === "/ai/vocabulary/1")).toBe(true);

    fireEvent.change(within(panel).getByLabelText("When I say"), { target: { value: "grails" } });
    fireEvent.change(within(panel).getByLabelText("I mean"), { target: { value: "Jordan 1 Chicago" } });
    fireEvent.click(within(panel).getByRole("button", { name: "Teach" }));
    expect(await within(panel).findByText('"grails" means Jordan 1 Chicago')).toBeTruthy();
    expect(within(panel).getByRole("status").textContent).toBe("Learned “grails”.");
    expect(taught).toBe(1);
    expect(calls.find((c) => c.method === "POST" && c.url === "/ai/vocabulary")!.body).toEqual({ term: "grails", means: "Jordan 1 Chicago" });
  });

  it("says why when the server does not understand the meaning (422)", async () => {
    const { fetchImpl } = fakeServer({
      "GET /ai/vocabulary": () => json({ ...VOCABULARY, items: [], total: 0 }),
      "POST /ai/vocabulary": () =>
        json({ error: { code: "meaning_not_understood", message: "I don't know what “blorp” refers to.", details: [], request_id: "r" } }, 422),
    });
    render(<AIAssistant fetchImpl={fetchImpl} />);
    await signIn();
    const panel = await openMemoryTab("Words I taught");
    expect(await within(panel).findByText(/No words taught yet/)).toBeTruthy();
    fireEvent.change(within(panel).getByLabelText("When I say"), { target: { value: "zorp" } });
    fireEvent.change(within(panel).getByLabelText("I mean"), { target: { value: "blorp" } });
    fireEvent.click(within(panel).getByRole("button", { name: "Teach" }));
    expect((await within(panel).findByRole("alert")).textContent).toBe("I don't know what “blorp” refers to.");
    expect((within(panel).getByLabelText("When I say") as HTMLInputElement).value).toBe("zorp");
  });
});

describe("questions not understood", () => {
  it("highlights the unknown words and pre-fills the teach form with one", async () => {
    const { fetchImpl, calls } = fakeServer({
      "GET /ai/unanswered": () => json(UNANSWERED),
      "GET /ai/vocabulary": () => json(VOCABULARY),
    });
    render(<AIAssistant fetchImpl={fetchImpl} />);
    await signIn();
    const panel = await openMemoryTab("Not understood");
    const item = await within(panel).findByTestId("unanswered-question");
    expect(within(item).getByTestId("unknown-term").textContent).toBe("Depop");
    expect(item.textContent).toContain("partly understood");
    expect(calls.find((c) => c.url.startsWith("/ai/unanswered"))!.url).toBe("/ai/unanswered?limit=20&offset=0");

    fireEvent.click(within(item).getByRole("button", { name: "Teach “depop”" }));
    const term = (await within(panel).findByLabelText("When I say")) as HTMLInputElement;
    expect(term.value).toBe("depop");
    expect(within(panel).getByRole("tab", { name: "Words I taught" }).getAttribute("aria-selected")).toBe("true");
    await waitFor(() => expect(document.activeElement).toBe(within(panel).getByLabelText("I mean")));
  });
});

describe("insights", () => {
  it("shows each insight and asks its follow-up question in the chat when chosen", async () => {
    const { fetchImpl, calls } = fakeServer({
      "GET /ai/insights": () => json(INSIGHTS),
      "GET /ai/digests": () => json({ items: [], total: 0, limit: 30, offset: 0 }),
    });
    render(<AIAssistant fetchImpl={fetchImpl} />);
    await signIn();
    fireEvent.click(screen.getByRole("button", { name: "Insights" }));
    const panel = await screen.findByRole("complementary", { name: "What stands out" });
    const insight = await within(panel).findByTestId("insight");
    expect(within(insight).getByText("Warning")).toBeTruthy();
    expect(within(insight).getByText("4 pairs became dead stock this week")).toBeTruthy();
    expect(within(insight).getByText("They have been in inventory for more than 60 days.")).toBeTruthy();
    const figures = Array.from(insight.querySelectorAll(".sf-figures div")).map((d) => d.textContent);
    expect(figures).toEqual(["units4", "value812.00"]);
    expect(within(panel).getByText("No digests yet.")).toBeTruthy();

    fireEvent.click(within(insight).getByRole("button"));
    await waitFor(() => expect(screen.getByTestId("assistant-message").dataset.state).toBe("done"));
    expect(calls.find((c) => c.url === "/ai/query/stream")!.body).toEqual({
      query: "Which pairs crossed 60 days this week?",
      include_context: true,
    });
    expect(screen.getByTestId("user-message").textContent).toBe("Which pairs crossed 60 days this week?");
  });

  it("lists past digests and opens one", async () => {
    const { fetchImpl } = fakeServer({
      "GET /ai/insights": () => json({ ...INSIGHTS, items: [] }),
      "GET /ai/digests": () =>
        json({ items: [{ id: 3, digest_date: "2026-12-01", created_at: "2026-12-01T06:00:00Z", language: "en", insight_count: 1 }], total: 1, limit: 30, offset: 0 }),
      "GET /ai/digests/3": () =>
        json({ id: 3, digest_date: "2026-12-01", created_at: "2026-12-01T06:00:00Z", language: "en", insight_count: 1, items: [{ ...INSIGHTS.items[0], severity: "critical", headline: "Margin fell below 5%" }] }),
    });
    render(<AIAssistant fetchImpl={fetchImpl} />);
    await signIn();
    fireEvent.click(screen.getByRole("button", { name: "Insights" }));
    const panel = await screen.findByRole("complementary", { name: "What stands out" });
    expect(await within(panel).findByText("Nothing stands out right now.")).toBeTruthy();
    fireEvent.click(await within(panel).findByRole("button", { name: "1 Dec 2026 · 1 insight" }));
    const insight = await within(panel).findByTestId("insight");
    expect(within(insight).getByText("Margin fell below 5%")).toBeTruthy();
    expect(within(insight).getByText("Critical")).toBeTruthy();
    fireEvent.click(within(panel).getByRole("button", { name: /Back to the latest insights/ }));
    expect(await within(panel).findByText("Nothing stands out right now.")).toBeTruthy();
  });
});

describe("a server without the new endpoints (404)", () => {
  it("says so in every new view instead of failing", async () => {
    const { fetchImpl } = fakeServer({
      "GET /ai/insights": notFound,
      "GET /ai/digests": notFound,
      "GET /ai/vocabulary": notFound,
      "GET /ai/unanswered": notFound,
    });
    render(<AIAssistant fetchImpl={fetchImpl} />);
    await signIn();
    fireEvent.click(screen.getByRole("button", { name: "Insights" }));
    const insights = await screen.findByRole("complementary", { name: "What stands out" });
    expect(await within(insights).findByText("Insights are not available on this server yet.")).toBeTruthy();
    expect(await within(insights).findByText("Past digests are not available on this server yet.")).toBeTruthy();
    expect(within(insights).queryByRole("alert")).toBeNull();

    const memory = await openMemoryTab("Words I taught");
    expect(await within(memory).findByText("Teaching words is not available on this server yet.")).toBeTruthy();
    fireEvent.click(within(memory).getByRole("tab", { name: "Not understood" }));
    expect(await within(memory).findByText("This server does not list the questions it did not understand yet.")).toBeTruthy();
    expect(screen.queryByLabelText("Password")).toBeNull(); // still signed in
  });
});

describe("the phone's header menu", () => {
  it("reaches memory, insights and sign-out from one menu", async () => {
    const { fetchImpl } = fakeServer();
    render(<AIAssistant fetchImpl={fetchImpl} storageKey="sf-menu" />);
    await signIn();
    fireEvent.click(screen.getByRole("button", { name: "More" }));
    const menu = screen.getByRole("menu");
    expect(within(menu).getAllByRole("menuitem").map((i) => i.textContent?.trim())).toEqual(["Memory", "Insights", "Deutsch", "Sign out"]);
    fireEvent.click(within(menu).getByRole("menuitem", { name: "Memory" }));
    expect(await screen.findByRole("complementary", { name: "What I remember" })).toBeTruthy();
    expect(screen.queryByRole("menu")).toBeNull();

    fireEvent.click(screen.getByRole("button", { name: "More" }));
    const items = within(screen.getByRole("menu")).getAllByRole("menuitem");
    await waitFor(() => expect(document.activeElement).toBe(items[0]));
    fireEvent.keyDown(items[0], { key: "ArrowUp" });
    expect(document.activeElement).toBe(items[items.length - 1]);
    fireEvent.click(within(screen.getByRole("menu")).getByRole("menuitem", { name: "Sign out" }));
    expect(await screen.findByLabelText("Password")).toBeTruthy();
    expect(window.localStorage.getItem("sf-menu")).toBeNull();
  });
});

describe("the chart's currency", () => {
  const series = {
    tool: "query_business",
    arguments: { metrics: ["revenue", "profit", "units_sold"], group_by: ["month"] },
    result: {
      rows: [
        { group: { month: "2026-01" }, values: { revenue: 10860.98, profit: 2234.21, units_sold: 47 } },
        { group: { month: "2026-02" }, values: { revenue: 17355.95, profit: 2500.05, units_sold: 75 } },
      ],
    },
    facts_used: [],
  };
  const chartAnswer = () =>
    streamResponse(sse([["final", { ...FINAL("Revenue by month:"), sources: [series] }]]));

  it("follows the currency the server reports in /ai/health", async () => {
    const { fetchImpl } = fakeServer({
      "GET /ai/health": () => json({ status: "ok", provider: "builtin", model: "m", memory_backend: "sql", database: "sqlite", memori_enabled: false, currency: "USD" }),
      "POST /ai/query/stream": chartAnswer,
    });
    render(<AIAssistant fetchImpl={fetchImpl} />);
    await signIn();
    const answer = await ask("Show revenue by month");
    const label = within(answer).getByRole("img").getAttribute("aria-label") ?? "";
    expect(label).toContain("$");
    expect(label).not.toContain("€");
  });

  it("falls back to EUR when the server does not say", async () => {
    const { fetchImpl } = fakeServer({ "POST /ai/query/stream": chartAnswer });
    render(<AIAssistant fetchImpl={fetchImpl} />);
    await signIn();
    const answer = await ask("Show revenue by month");
    expect(within(answer).getByRole("img").getAttribute("aria-label")).toContain("€");
  });
});

describe("stopping an answer", () => {
  /** A stream that sends `text` and then waits until the request is aborted, as fetch does. */
  function hangingStream(text: string, signal: AbortSignal | undefined): Response {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(text));
        signal?.addEventListener("abort", () => controller.error(new DOMException("aborted", "AbortError")));
      },
    });
    return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
  }

  async function stopAfter(events: Array<[string, unknown]>) {
    const server = fakeServer();
    const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) =>
      String(input).endsWith("/ai/query/stream")
        ? hangingStream(sse(events), init?.signal ?? undefined)
        : server.fetchImpl(input, init)) as typeof fetch;
    render(<AIAssistant fetchImpl={fetchImpl} />);
    await signIn();
    fireEvent.change(composer(), { target: { value: "How many pairs?" } });
    fireEvent.keyDown(composer(), { key: "Enter" });
    fireEvent.click(await screen.findByRole("button", { name: "Stop" }));
    await screen.findByRole("button", { name: "Send" });
  }

  it("keeps the text that had arrived as a finished answer", async () => {
    await stopAfter([
      ["start", { conversation_id: "conv-1", provider: "builtin", model: "m" }],
      ["delta", { text: "You have **645 pairs**" }],
    ]);
    const answer = screen.getByTestId("assistant-message");
    expect(answer.dataset.state).toBe("done");
    expect(within(answer).getByText("645 pairs")).toBeTruthy();
    expect(within(answer).queryByRole("status")).toBeNull(); // no "Thinking…" left behind
  });

  it("drops an answer that had nothing in it yet", async () => {
    await stopAfter([["start", { conversation_id: "conv-1", provider: "builtin", model: "m" }]]);
    expect(screen.queryByTestId("assistant-message")).toBeNull();
    expect(screen.getByTestId("user-message").textContent).toBe("How many pairs?");
  });
});
