import { useEffect, useRef, useState, type FormEvent } from "react";
import type { Strings } from "../i18n";
import { Logo } from "./Logo";

export const DEMO_EMAIL = "demo@soleflip.dev";
export const DEMO_PASSWORD = "soleflip-demo";

export function Login({
  t,
  onLogin,
  notice,
  showDemo,
}: {
  t: Strings;
  onLogin: (email: string, password: string) => Promise<string | null>;
  notice: string | null;
  showDemo: boolean;
}) {
  const [email, setEmail] = useState(showDemo ? DEMO_EMAIL : "");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    (email ? passwordRef : emailRef).current?.focus();
    // Focus once, when the form appears.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    const problem = await onLogin(email.trim(), password);
    setBusy(false);
    if (problem) {
      setError(problem);
      passwordRef.current?.select();
      passwordRef.current?.focus();
    }
  }

  return (
    <div className="sf-login">
      <form className="sf-login-card" onSubmit={submit} aria-labelledby="sf-login-title" noValidate>
        <Logo />
        <h1 id="sf-login-title">{t.appName}</h1>
        <p className="sf-muted">{t.tagline}</p>
        {notice && (
          <p className="sf-notice" role="status">
            {notice}
          </p>
        )}
        <label>
          <span>{t.email}</span>
          <input
            ref={emailRef}
            type="email"
            name="username"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          <span>{t.password}</span>
          <input
            ref={passwordRef}
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p className="sf-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="sf-primary" disabled={busy || !email || !password}>
          {busy ? t.signingIn : t.signIn}
        </button>
        {showDemo && (
          <button
            type="button"
            className="sf-link"
            onClick={() => {
              setEmail(DEMO_EMAIL);
              setPassword(DEMO_PASSWORD);
              passwordRef.current?.focus();
            }}
          >
            {t.useDemo}
          </button>
        )}
        {showDemo && <p className="sf-hint">{t.demoHint}</p>}
      </form>
    </div>
  );
}
