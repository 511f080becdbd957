// Formatting shared by the sections: UTC times, durations, business days, the dash for what is not
// known yet, and the prompts (`> _Prompt: …_` standalone, `_Prompt: …_` inline; see index.ts).

const pad = (n: number): string => String(n).padStart(2, "0");

/** `2026-03-01 10:04:05 UTC` */
export function formatUtc(at: Date): string {
  return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} UTC`;
}

export const formatDate = (at: Date): string => `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`;

/** Human-readable duration: `45 s`, `3 min 20 s`, `2 h 14 min`, `1 d 3 h`. Seconds only under an hour. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  if (total < 60) return `${total} s`;
  const seconds = total % 60;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d ? `${d} d` : "", h ? `${h} h` : "", m ? `${m} min` : ""].filter(Boolean).join(" ");
}

export const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** The date `days` business days (Monday to Friday, UTC) after `from`. */
export function addBusinessDays(from: Date, days: number): Date {
  const at = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  let left = days;
  while (left > 0) {
    at.setUTCDate(at.getUTCDate() + 1);
    const wd = at.getUTCDay();
    if (wd !== 0 && wd !== 6) left--;
  }
  return at;
}

export const DASH = "—";
export const timeOr = (at: Date | null): string => (at ? formatUtc(at) : DASH);
export const since = (from: Date | null, to: Date | null): string => (from && to ? formatDuration(to.getTime() - from.getTime()) : DASH);

export const prompt = (text: string): string => `> _Prompt: ${text}_`;
export const inlinePrompt = (text: string): string => `_Prompt: ${text}_`;
