/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The built page is served by FastAPI (domains/webui) at /assistant/ and shipped with the
// Python package, so the output goes straight into domains/webui/static.
export default defineConfig({
  base: "/assistant/",
  plugins: [react()],
  build: {
    outDir: "../domains/webui/static",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
    rollupOptions: {
      // The Markdown renderer changes less often than the widget: its own chunk, its own cache.
      output: {
        manualChunks: {
          markdown: ["react-markdown", "remark-gfm"],
        },
      },
    },
  },
  server: {
    // `npm run dev` talks to a local API (uvicorn main:app --port 8000) through the dev server.
    proxy: {
      "/auth": "http://127.0.0.1:8000",
      "/ai": "http://127.0.0.1:8000",
      "/analytics": "http://127.0.0.1:8000",
    },
  },
  test: {
    environment: "jsdom",
    include: ["tests/**/*.test.{ts,tsx}"],
    setupFiles: ["tests/setup.ts"],
    restoreMocks: true,
  },
});
