// Human durations for every message (rollouts, pipelines, the digest): "7m 30s", "2h 5m", "45s",
// "3d 4h". Two units at most: a phone notification has no room for more, and nobody acts on the
// seconds of a 3-day lead time.

const UNITS: [string, number][] = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
];

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "unknown";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.round(ms / 1000) * 1000;
  const largest = UNITS.findIndex(([, size]) => seconds >= size);
  return UNITS.slice(largest, largest + 2)
    .map(([unit, size], index) => {
      const count =
        index === 0 ? Math.floor(seconds / size) : Math.floor((seconds % (UNITS[largest]?.[1] ?? 1)) / size);
      return count > 0 ? `${count}${unit}` : "";
    })
    .filter((part) => part !== "")
    .join(" ");
}
