/** What SoleFlip's React frontend imports: `import { AIAssistant } from ".../frontend/src"` and the CSS. */
import "./styles.css";

export { AIAssistant, type AIAssistantProps } from "./components/AIAssistant";
export { ApiClient, ApiError } from "./api/client";
export type { Lang } from "./i18n";
