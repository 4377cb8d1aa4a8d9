/** A row of tabs (role=tablist); the caller renders the chosen tab's panel. */
export function Tabs<K extends string>({
  tabs,
  current,
  onChoose,
  label,
  className = "",
}: {
  tabs: Array<[K, string]>;
  current: K;
  onChoose: (key: K) => void;
  label: string;
  className?: string;
}) {
  return (
    <div className={`sf-tabs ${className}`.trim()} role="tablist" aria-label={label}>
      {tabs.map(([key, text]) => (
        <button
          key={key}
          type="button"
          role="tab"
          aria-selected={current === key}
          className={current === key ? "sf-tab sf-tab-active" : "sf-tab"}
          onClick={() => onChoose(key)}
        >
          {text}
        </button>
      ))}
    </div>
  );
}
