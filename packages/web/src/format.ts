export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "";
  // Whole seconds down, as players show them; anything under a second still reads 0:01.
  const total = ms > 0 ? Math.max(1, Math.floor(ms / 1000)) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** Binary units throughout, so the 5 GiB upload limit reads "5 GiB", not "5.4 GB". */
export function bytes(n: number | undefined): string {
  if (n === undefined) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timeWithSeconds = new Intl.DateTimeFormat(undefined, {
  dateStyle: "medium",
  timeStyle: "medium",
});

const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

export const when = (iso: string) => dateTime.format(new Date(iso));
export const whenExact = (iso: string) => timeWithSeconds.format(new Date(iso));

/** "Jan 5, 2025, 9:30:00 AM → 9:31:00 AM": the end's date only when it differs. */
export function span(startIso: string, endIso: string): string {
  const start = new Date(startIso);
  const end = new Date(endIso);
  const sameDay = start.toDateString() === end.toDateString();
  return `${whenExact(startIso)} → ${sameDay ? timeOnly.format(end) : whenExact(endIso)}`;
}

/** `<input type="datetime-local" step="1">` value for an instant, in local time. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A datetime-local value (local time, no zone) as an ISO instant, or undefined if blank/invalid. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** "2025-01-05 09:30:00 UTC": an instant as UTC wall-clock time, labelled. */
export function utcText(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** `<input type="datetime-local" step="1">` value for an instant, in UTC. */
export const toUtcInput = (ms: number) => new Date(ms).toISOString().slice(0, 19);

/** A datetime-local value read as UTC wall-clock time, as an ISO instant. */
export function fromUtcInput(value: string): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(`${value.length === 16 ? `${value}:00` : value}Z`);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

export function zoneLabel(): string {
  const offset = -new Date().getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  const hm = `${Math.floor(abs / 60)}${abs % 60 ? `:${String(abs % 60).padStart(2, "0")}` : ""}`;
  return `UTC${sign}${hm}`;
}
