// A small iCalendar reader for the tests, written from RFC 5545 independently of the renderer
// (src/oncall/ical.ts): lines unfolded, values unescaped, each line at most 75 octets.
import { expect } from "vitest";

export interface ParsedEvent {
  [property: string]: string;
}

/** The calendar's properties and its events (property name → unescaped value). */
export function readCalendar(text: string): { calendar: Record<string, string>; events: ParsedEvent[] } {
  expect(text.endsWith("\r\n")).toBe(true);
  const physical = text.slice(0, -2).split("\r\n");
  for (const line of physical) expect(Buffer.byteLength(line, "utf8")).toBeLessThanOrEqual(75);
  const lines: string[] = [];
  for (const line of physical) {
    if (line.startsWith(" ")) lines[lines.length - 1] += line.slice(1);
    else lines.push(line);
  }
  const unescape = (v: string) => v.replace(/\\([\\;,nN])/g, (_, c: string) => (c === "n" || c === "N" ? "\n" : c));
  const calendar: Record<string, string> = {};
  const events: ParsedEvent[] = [];
  let current: ParsedEvent | null = null;
  expect(lines[0]).toBe("BEGIN:VCALENDAR");
  expect(lines.at(-1)).toBe("END:VCALENDAR");
  for (const line of lines.slice(1, -1)) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).split(";")[0];
    const value = unescape(line.slice(colon + 1));
    if (line === "BEGIN:VEVENT") current = {};
    else if (line === "END:VEVENT") {
      events.push(current!);
      current = null;
    } else if (current) current[name] = value;
    else calendar[name] = value;
  }
  return { calendar, events };
}

/** 20260309T130000Z → Date */
export const utc = (v: string) => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  expect(m, `${v} is a UTC date-time`).not.toBeNull();
  return new Date(Date.UTC(+m![1], +m![2] - 1, +m![3], +m![4], +m![5], +m![6]));
};

