export function Logo({ size = 32 }: { size?: number }) {
  return (
    <svg className="sf-logo" width={size} height={size} viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="9" fill="#15171c" />
      <path
        d="M7 20c4 0 6-1.5 8-4l2.5-3c1.2-1.4 2.5-2 4.5-2h3v3h-2.6c-1 0-1.6.3-2.3 1.2L17.5 18C15 21 12.5 23 7 23z"
        fill="#ff6a3d"
      />
    </svg>
  );
}
