// One unit style everywhere, as the kontho command prints them: durations h:mm:ss, sizes in MB, times UTC.

export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  const whole = Math.max(0, Math.round(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
}

export function size(bytes) {
  if (bytes === null || bytes === undefined) return "–";
  return `${(bytes / 1_000_000).toFixed(bytes < 100_000 ? 2 : 1)} MB`;
}

export function utc(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function percent(progress) {
  return `${(progress?.percent ?? 0).toFixed(0)} %`;
}
