/** One measured figure, beside the baseline it is judged against. */
export interface Figure {
  section:
    | 'Chain'
    | 'Reads'
    | 'Writes'
    | 'Fan-out'
    | 'External writes'
    | 'Connections'
    | 'Recovery'
    | 'Memory';
  label: string;
  value: number;
  unit: string;
  /** Percentiles and the like, shown beside the value. */
  detail?: string;
  baseline?: { label: string; value: number; unit: string; detail?: string };
  /** value ÷ baseline. */
  ratio?: number;
  /**
   * The goal this figure is held to, whether this run met it (informative only), and where it lies
   * in the figure's unit, for the chart.
   */
  target?: { text: string; met: boolean; value?: number };
}

/** CPU used during one measured stretch, in cores (CPU seconds per wall second). */
export interface CpuRow {
  phase: string;
  seconds: number;
  cores: Record<string, number>;
}

export interface BenchReport {
  title: string;
  mode: 'full' | 'quick';
  startedAt: string;
  durationSeconds: number;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  note: string;
  figures: Figure[];
  cpu: CpuRow[];
  checks: Record<string, number | string | boolean>;
  /** What each measured stretch returned, unabridged. */
  raw: Record<string, unknown>;
}

const SECTIONS: Figure['section'][] = [
  'Chain',
  'Connections',
  'Reads',
  'Writes',
  'Fan-out',
  'External writes',
  'Recovery',
  'Memory',
];

/** The figures grouped by section, in the order the sections are read. */
export function bySection(figures: Figure[]): Figure[] {
  return SECTIONS.flatMap((section) => figures.filter((f) => f.section === section));
}

/** Numbers as a person reads them: thousands separated, small ones with decimals. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** Milliseconds as a person reads them. */
export const ms = (n: number) => `${fmt(n)} ms`;

/** A measurement's median and tail latency, for a figure's detail. */
export const p50p99 = (r: { latency: { p50: number; p99: number } }) =>
  `p50 ${ms(r.latency.p50)}, p99 ${ms(r.latency.p99)}`;

const withUnit = (value: number, unit: string) => `${fmt(value)} ${unit}`.trim();

function ratioText(f: Figure): string {
  if (f.ratio === undefined) return '';
  return f.ratio >= 1.5 ? `${fmt(f.ratio)}×` : `${fmt(f.ratio * 100)} %`;
}

/** CPU groups (as `sampleCpu` names them) and their column titles. */
const GROUPS = [
  ['load', 'load generator'],
  ['stores', 'stores'],
  ['bare', 'bare server'],
  ['postgres', 'postgres'],
  ['postgrest', 'postgrest'],
  ['self', 'gateway + bench'],
  ['redis', 'redis'],
  ['others', 'rest of machine'],
] as const;

/** The report as Markdown: the figures table, then CPU per phase. */
export function toMarkdown(r: BenchReport): string {
  const lines = [
    `# ${r.title}`,
    '',
    `${r.mode === 'quick' ? 'Quick run (`npm run bench -- --quick`)' : 'Full run (`npm run bench`)'} ` +
      `started ${r.startedAt}, took ${fmt(r.durationSeconds)} s on ${r.machine.cpus} cores ` +
      `(${r.machine.cpuModel}), ${fmt(r.machine.memoryGiB)} GiB, Node ${r.machine.node}, ${r.machine.platform}.`,
    '',
    r.note,
    '',
    '| figure | value | baseline | ratio | target |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const f of bySection(r.figures)) {
    const value = withUnit(f.value, f.unit) + (f.detail ? ` (${f.detail})` : '');
    const baseline = f.baseline
      ? `${f.baseline.label}: ${withUnit(f.baseline.value, f.baseline.unit)}` +
        (f.baseline.detail ? ` (${f.baseline.detail})` : '')
      : '';
    const target = f.target ? `${f.target.text} ${f.target.met ? '✅' : '❌'}` : '';
    lines.push(
      `| ${f.section}: ${f.label} | ${value} | ${baseline} | ${ratioText(f)} | ${target} |`,
    );
  }
  lines.push(
    '',
    '**Checks:** ' +
      Object.entries(r.checks)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join('; ') +
      '.',
  );
  if (r.cpu.length > 0) {
    const present = GROUPS.filter(([key]) => r.cpu.some((row) => (row.cores[key] ?? 0) > 0.005));
    lines.push(
      '',
      'CPU used during each phase, in cores (CPU seconds per second; the machine has ' +
        `${r.machine.cpus}). "rest of machine" is what processes outside this run used meanwhile.`,
      '',
      `| phase | seconds | ${present.map(([, label]) => label).join(' | ')} |`,
      `| --- | --- | ${present.map(() => '---').join(' | ')} |`,
    );
    for (const row of r.cpu) {
      const cells = present.map(([key]) => fmt(row.cores[key] ?? 0));
      lines.push(`| ${row.phase} | ${fmt(row.seconds)} | ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n') + '\n';
}

/** A compact table for the terminal. */
export function toText(r: BenchReport): string {
  const rows = bySection(r.figures).map((f) => [
    `${f.section}: ${f.label}`,
    withUnit(f.value, f.unit),
    f.baseline ? withUnit(f.baseline.value, f.baseline.unit) : '',
    ratioText(f),
    f.target ? `${f.target.text} ${f.target.met ? 'met' : 'MISSED'}` : '',
  ]);
  const header = ['figure', 'value', 'baseline', 'ratio', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
