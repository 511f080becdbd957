// Prometheus' text exposition format, read the way Prometheus reads it (enough of it for tests):
// `# HELP` and `# TYPE` lines, and samples `name{label="value",…} value`, label values escaped
// with \\, \" and \n. Every line that is neither is an error, so a malformed /metrics fails.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  samples: Sample[];
  /** Metric family → its TYPE (counter, gauge, histogram…). */
  types: Map<string, string>;
  help: Map<string, string>;
  /** The value of the one sample with exactly these labels (0 when absent, as a counter not yet incremented). */
  value(name: string, labels?: Record<string, string>): number;
  /** Whether a sample with exactly these labels exists. */
  has(name: string, labels?: Record<string, string>): boolean;
  /** The sum of every sample of `name` whose labels include `labels`. */
  sum(name: string, labels?: Record<string, string>): number;
  /** Every metric name that has a sample. */
  names(): Set<string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** As Prometheus reads a value (Go's ParseFloat): Inf and NaN in any case (prom-client writes "Nan"). */
function parseValue(text: string, line: string): number {
  const special = text.toLowerCase();
  if (special === "+inf" || special === "inf") return Infinity;
  if (special === "-inf") return -Infinity;
  if (special === "nan") return NaN;
  const n = Number(text);
  if (text === "" || Number.isNaN(n)) throw new Error(`not a sample value: ${JSON.stringify(text)} in ${line}`);
  return n;
}

function parseSample(line: string): Sample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw new Error(`not a sample: ${line}`);
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === "{") {
    i++;
    while (line[i] !== "}") {
      const label = LABEL_NAME.exec(line.slice(i))?.[0];
      if (!label || line[i + label.length] !== "=" || line[i + label.length + 1] !== '"') throw new Error(`bad label at ${i} in ${line}`);
      i += label.length + 2;
      let value = "";
      for (;;) {
        const c = line[i++];
        if (c === undefined) throw new Error(`unterminated label value in ${line}`);
        if (c === '"') break;
        if (c === "\\") {
          const e = line[i++];
          value += e === "n" ? "\n" : e;
        } else value += c;
      }
      if (label in labels) throw new Error(`label ${label} twice in ${line}`);
      labels[label] = value;
      if (line[i] === ",") i++;
      else if (line[i] !== "}") throw new Error(`expected , or } at ${i} in ${line}`);
    }
    i++;
  }
  if (line[i] !== " ") throw new Error(`expected a space before the value in ${line}`);
  const [value, timestamp, ...more] = line.slice(i + 1).trim().split(/\s+/);
  if (more.length > 0 || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) throw new Error(`trailing text in ${line}`);
  return { name, labels, value: parseValue(value, line) };
}

const same = (a: Record<string, string>, b: Record<string, string>) => Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);
const includes = (a: Record<string, string>, b: Record<string, string>) => Object.entries(b).every(([k, v]) => a[k] === v);

export function parseMetrics(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
      if (!m) continue; // a plain comment
      const [, what, name, rest] = m;
      const map = what === "TYPE" ? types : help;
      if (map.has(name)) throw new Error(`${what} of ${name} twice`);
      if (what === "TYPE" && !["counter", "gauge", "histogram", "summary", "untyped"].includes(rest)) throw new Error(`unknown type ${rest} for ${name}`);
      map.set(name, rest);
      continue;
    }
    samples.push(parseSample(line));
  }
  const find = (name: string, labels: Record<string, string>) => samples.filter((s) => s.name === name && same(s.labels, labels));
  return {
    samples,
    types,
    help,
    value(name, labels = {}) {
      const found = find(name, labels);
      if (found.length > 1) throw new Error(`${name}${JSON.stringify(labels)} matches ${found.length} samples`);
      return found[0]?.value ?? 0;
    },
    has: (name, labels = {}) => find(name, labels).length > 0,
    sum: (name, labels = {}) => samples.filter((s) => s.name === name && includes(s.labels, labels)).reduce((n, s) => n + s.value, 0),
    names: () => new Set(samples.map((s) => s.name)),
  };
}
