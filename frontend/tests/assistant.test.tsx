import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import { AIAssistant } from "../src/components/AIAssistant";
import { browserLanguage } from "../src/i18n";
import { composer, fakeServer, json, signIn } from "./fakeServer";

beforeEach(() => {
  window.localStorage.clear();
  Object.defineProperty(window.navigator, "languages", { value: ["en-US"], configurable: true });
  Object.defineProperty(window.navigator, "onLine", { value: true, configurable: true });
});

describe("<AIAssistant />", () => {
  it("signs in, shows suggestions per category and streams an answer with its sources", async () => {
    const { fetchImpl, calls } = fakeServer();
    render(<AIAssistant fetchImpl={fetchImpl} apiBaseUrl="http://api.test/" />);
    await signIn();
    expect(calls[0]).toMatchObject({ url: "/auth/token", body: { username: "demo@soleflip.dev", password: "soleflip-demo" } });
    expect(await screen.findByRole("button", { name: "What are my 645 pairs in inventory worth?" })).toBeTruthy();

    fireEvent.click(screen.getByRole("tab", { name: "Pricing" }));
    expect(await screen.findByRole("button", { name: "What should I list my Jordans at?" })).toBeTruthy();

    fireEvent.change(composer(), { target: { value: "How many pairs do I have in stock?" } });
    fireEvent.keyDown(composer(), { key: "Enter" });
    const answer = await screen.findByTestId("assistant-message");
    await waitFor(() => expect(answer.dataset.state).toBe("done"));
    expect(within(answer).getByText("645 pairs").tagName).toBe("STRONG");
    const ask = calls.find((c) => c.url === "/ai/query/stream")!;
    expect(ask.body).toEqual({ query: "How many pairs do I have in stock?", include_context: true });
    expect(ask.headers.Authorization).toBe("Bearer tok-1");
    expect(composer().value).toBe("");

    // Sources: tool, arguments and figures.
    fireEvent.click(within(answer).getByText("1 source"));
    expect(within(answer).getByText("inventory_summary")).toBeTruthy();
    expect(within(answer).getByText("units in inventory")).toBeTruthy();
    expect(within(answer).getByText("645")).toBeTruthy();
  });

  it("sends follow-ups into the same conversation", async () => {
    const { fetchImpl, calls } = fakeServer();
    render(<AIAssistant fetchImpl={fetchImpl} />);
    await signIn();
    fireEvent.change(composer(), { target: { value: "How many pairs do I have in stock?" } });
    fireEvent.keyDown(composer(), { key: "Enter" });
    await waitFor(() => expect(screen.getByTestId("assistant-message").dataset.state).toBe("done"));
    // The answer's follow-up chip asks the next question.
    fireEvent.click(screen.getByRole("button", { name: "How many are Nike?" }));
    await screen.findByText("129 are Nike.");
    const followUp = calls.find((c) => c.url === "/ai/conversation/stream")!;
    expect(followUp.body).toEqual({ conversation_id: "conv-1", message: "How many are Nike?" });
    expect(screen.getAllByTestId("user-message").map((m) => m.textContent)).toEqual([
      "How many pairs do I have in stock?",
      "How many are Nike?",
    ]);
  });

  it("Shift+Enter makes a new line instead of sending", async () => {
    const { fetchImpl, calls } = fakeServer();
    render(<AIAssistant fetchImpl={fetchImpl} />);
    await signIn();
    fireEvent.change(composer(), { target: { value: "line one" } });
    const notCancelled = fireEvent.keyDown(composer(), { key: "Enter", shiftKey: true });
    expect(notCancelled).toBe(true); // the browser inserts the newline
    expect(calls.some((c) => c.url.includes("/stream"))).toBe(false);
  });

  it("tells the user when they are rate limited and blocks sending until Retry-After passes", async () => {
    const { fetchImpl } = fakeServer({
      "POST /ai/query/stream": () =>
        json({ error: { code: "rate_limited", message: "Too many requests" } }, 429, { "Retry-After": "12" }),
    });
    render(<AIAssistant fetchImpl={fetchImpl} />);
    await signIn();
    fireEvent.change(composer(), { target: { value: "How many pairs?" } });
    fireEvent.keyDown(composer(), { key: "Enter" });
    const answer = await screen.findByTestId("assistant-message");
    await waitFor(() => expect(answer.dataset.state).toBe("error"));
    expect(within(answer).getByRole("alert").textContent).toContain("You can send again in 12 s.");
    expect(screen.getByTestId("rate-limit-banner").textContent).toMatch(/1[0-2] s/);
    fireEvent.change(composer(), { target: { value: "again" } });
    expect((screen.getByRole("button", { name: "Send" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("goes back to the sign-in form when the token expires (401)", async () => {
    const { fetchImpl } = fakeServer({
      "POST /ai/query/stream": () => json({ error: { code: "unauthorized", message: "Token expired" } }, 401),
    });
    render(<AIAssistant fetchImpl={fetchImpl} storageKey="sf-test" />);
    await signIn();
    expect(window.localStorage.getItem("sf-test")).toBe("tok-1");
    fireEvent.change(composer(), { target: { value: "How many pairs?" } });
    fireEvent.keyDown(composer(), { key: "Enter" });
    expect(await screen.findByText("Your session has expired. Please sign in again.")).toBeTruthy();
    expect(screen.getByLabelText("Password")).toBeTruthy();
    expect(window.localStorage.getItem("sf-test")).toBeNull();
  });

  it("says the server is unreachable, and offers to try again", async () => {
    let fail = true;
    const server = fakeServer();
    const { fetchImpl } = fakeServer({
      "POST /ai/query/stream": (call) => {
        if (fail) throw new TypeError("Failed to fetch");
        return (server.fetchImpl as unknown as (u: string, i: RequestInit) => Response)(call.url, {
          method: "POST",
          body: JSON.stringify(call.body),
        });
      },
    });
    render(<AIAssistant fetchImpl={fetchImpl} />);
    await signIn();
    fireEvent.change(composer(), { target: { value: "How many pairs do I have in stock?" } });
    fireEvent.keyDown(composer(), { key: "Enter" });
    expect(await screen.findByText("The server is not answering. Please try again in a moment.")).toBeTruthy();
    fail = false;
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    await screen.findByText("645 pairs");
    expect(screen.getAllByTestId("user-message")).toHaveLength(1);
  });

  it("shows an offline banner when the browser goes offline", async () => {
    const { fetchImpl } = fakeServer();
    render(<AIAssistant fetchImpl={fetchImpl} />);
    await signIn();
    Object.defineProperty(window.navigator, "onLine", { value: false, configurable: true });
    act(() => {
      window.dispatchEvent(new Event("offline"));
    });
    expect(screen.getByText(/You are offline/)).toBeTruthy();
  });

  it("memory panel: shows counts and facts; clearing needs a confirmation", async () => {
    const { fetchImpl, calls } = fakeServer();
    render(<AIAssistant fetchImpl={fetchImpl} />);
    await signIn();
    fireEvent.click(screen.getByRole("button", { name: "Memory" }));
    const panel = await screen.findByRole("complementary", { name: "What I remember" });
    expect(await within(panel).findByText("anything older than 45 days counts as dead stock for me")).toBeTruthy();
    expect(within(panel).getByTestId("memory-status").textContent).toContain("1 fact · 1 conversation · 2 messages");

    fireEvent.click(within(panel).getByRole("button", { name: "Clear all memory" }));
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    const dialog = within(panel).getByRole("alertdialog");
    expect(document.activeElement).toBe(within(dialog).getByRole("button", { name: "Cancel" }));
    fireEvent.click(within(dialog).getByRole("button", { name: "Yes, clear everything" }));
    await waitFor(() => expect(calls.some((c) => c.method === "DELETE" && c.url === "/ai/memory/clear")).toBe(true));
    expect(calls.find((c) => c.url === "/ai/memory/clear")!.body).toEqual({ confirm: true });
  });

  it("speaks German when the browser does, and switches language", async () => {
    Object.defineProperty(window.navigator, "languages", { value: ["de-DE", "en"], configurable: true });
    expect(browserLanguage()).toBe("de");
    const { fetchImpl } = fakeServer();
    render(<AIAssistant fetchImpl={fetchImpl} />);
    expect(screen.getByRole("button", { name: "Anmelden" })).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "EN" }));
    expect(screen.getByRole("button", { name: "Sign in" })).toBeTruthy();
  });

  it("uses a host app's token without showing the sign-in form", async () => {
    const { fetchImpl, calls } = fakeServer();
    render(<AIAssistant fetchImpl={fetchImpl} token="host-token" />);
    await screen.findByRole("heading", { name: "What would you like to know?" });
    await waitFor(() => expect(calls.length).toBeGreaterThan(0));
    expect(calls.every((c) => c.headers.Authorization === "Bearer host-token")).toBe(true);
    expect(screen.queryByRole("button", { name: "Sign out" })).toBeNull();
  });
});
