// One unit style everywhere: durations h:mm:ss, sizes in kB under a megabyte and MB above, times UTC.

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
  // A subtitle file is a few kB: "0.00 MB" would say nothing.
  if (bytes < 1_000_000) return `${Math.max(1, Math.round(bytes / 1000))} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

export function utc(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function percent(progress) {
  return `${(progress?.percent ?? 0).toFixed(0)} %`;
}
