/** The standalone page FastAPI serves at /assistant/: the widget, full screen, same-origin API. */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { AIAssistant } from "./components/AIAssistant";
import "./styles.css";

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <AIAssistant apiBaseUrl="" storageKey="soleflip.assistant.token" showDemoLogin className="sf-fullscreen" />
    </StrictMode>,
  );
}
