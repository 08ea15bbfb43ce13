/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: it throws
 * on the first line a Prometheus server would reject or misread, naming it.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_NAME = '[a-zA-Z_][a-zA-Z0-9_]*';
// Prometheus reads values with Go's ParseFloat: NaN and Inf in any case (prom-client writes `Nan`).
const VALUE = String.raw`[+-]?(?:[Ii][Nn][Ff](?:[Ii][Nn][Ii][Tt][Yy])?|[Nn][Aa][Nn]|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)`;
const HELP_LINE = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (${VALUE})(?: (-?\\d+))?$`);
const LABEL = new RegExp(`^(${LABEL_NAME})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"(,|$)`);

function parseValue(text: string): number {
  if (/^\+?inf(inity)?$/i.test(text)) return Infinity;
  if (/^-inf(inity)?$/i.test(text)) return -Infinity;
  if (/^[+-]?nan$/i.test(text)) return NaN;
  return Number(text);
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const match = LABEL.exec(rest);
    if (!match) throw new Error(`${where}: bad label set {${text}}`);
    const [whole, name, raw] = match as unknown as [string, string, string];
    if (name in labels) throw new Error(`${where}: label ${name} repeated`);
    labels[name] = raw.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(whole.length);
  }
  return labels;
}

/** The family a sample belongs to: histogram and summary samples carry suffixes. */
function familyOf(sample: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  const exact = families.get(sample);
  if (exact) return exact;
  const base = sample.replace(/_(bucket|sum|count)$/, '');
  const family = families.get(base);
  if (family && (family.type === 'histogram' || family.type === 'summary')) return family;
  return undefined;
}

function checkHistogram(family: MetricFamily): void {
  const series = new Map<
    string,
    { buckets: Array<[number, number]>; count?: number; sum?: number }
  >();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    let entry = series.get(key);
    if (!entry) series.set(key, (entry = { buckets: [] }));
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${family.name}: bucket without le`);
      entry.buckets.push([parseValue(le), s.value]);
    } else if (s.name.endsWith('_count')) entry.count = s.value;
    else if (s.name.endsWith('_sum')) entry.sum = s.value;
    else throw new Error(`${family.name}: ${s.name} is not a histogram sample`);
  }
  for (const [key, { buckets, count, sum }] of series) {
    const where = `${family.name}${key}`;
    if (count === undefined || sum === undefined)
      throw new Error(`${where}: _count or _sum missing`);
    for (let i = 1; i < buckets.length; i++) {
      const [le, n] = buckets[i]!;
      const [prevLe, prevN] = buckets[i - 1]!;
      if (!(le > prevLe)) throw new Error(`${where}: buckets not in increasing le order`);
      if (n < prevN) throw new Error(`${where}: bucket counts not cumulative`);
    }
    const last = buckets.at(-1);
    if (!last || last[0] !== Infinity) throw new Error(`${where}: no +Inf bucket`);
    if (last[1] !== count) throw new Error(`${where}: +Inf bucket differs from _count`);
  }
}

/** Parses an exposition into its metric families, or throws naming the first problem. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  if (!text.endsWith('\n')) throw new Error('exposition does not end with a newline');
  const families = new Map<string, MetricFamily>();
  const closed = new Set<string>();
  const series = new Set<string>();
  let current: MetricFamily | undefined;
  const declare = (name: string, where: string): MetricFamily => {
    let family = families.get(name);
    if (family && family !== current)
      throw new Error(`${where}: ${name} declared apart from its samples`);
    if (!family) {
      if (closed.has(name)) throw new Error(`${where}: ${name} appears twice`);
      family = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, family);
    }
    if (current && current !== family) closed.add(current.name);
    current = family;
    return family;
  };

  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, index) => {
      const where = `line ${index + 1}`;
      if (line === '') return;
      if (line.startsWith('#')) {
        const help = HELP_LINE.exec(line);
        const type = TYPE_LINE.exec(line);
        if (help) declare(help[1]!, where).help = help[2]!;
        else if (type) {
          const family = declare(type[1]!, where);
          if (family.samples.length > 0)
            throw new Error(`${where}: TYPE after samples of ${family.name}`);
          family.type = type[2] as MetricType;
        } else if (/^# (HELP|TYPE)\b/.test(line)) throw new Error(`${where}: malformed: ${line}`);
        return;
      }
      const match = SAMPLE_LINE.exec(line);
      if (!match) throw new Error(`${where}: not a sample: ${line}`);
      const [, name, labelText, valueText] = match as unknown as [
        string,
        string,
        string | undefined,
        string,
      ];
      const family = familyOf(name, families);
      if (!family || family !== current)
        throw new Error(`${where}: ${name} outside its family's block`);
      const labels = parseLabels(labelText ?? '', where);
      const id = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
      if (series.has(id)) throw new Error(`${where}: duplicate series ${id}`);
      series.add(id);
      const value = parseValue(valueText);
      if (family.type === 'counter' && !(value >= 0)) throw new Error(`${where}: negative counter`);
      family.samples.push({ name, labels, value });
    });

  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

/** The value of the one sample with exactly these labels (besides the ones every sample has). */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const family = familyOf(name, families);
  const matches = (family?.samples ?? []).filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (matches.length > 1)
    throw new Error(`${name} ${JSON.stringify(labels)} matches several series`);
  return matches[0]?.value;
}
