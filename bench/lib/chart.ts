import { Raster, type Rgb } from './png.js';
import { bySection, fmt, type BenchReport, type Figure } from './report.js';

const WIDTH = 1500;
const MARGIN = 24;
const LABEL_CHARS = 44;
const BAR_X = 600;
const BAR_WIDTH = 480;
const BAR_HEIGHT = 16;

const WHITE: Rgb = [255, 255, 255];
const INK: Rgb = [33, 37, 41];
const MUTED: Rgb = [108, 117, 125];
const RULE: Rgb = [222, 226, 230];
const BASELINE: Rgb = [173, 181, 189];
const MET: Rgb = [47, 158, 68];
const MISSED: Rgb = [224, 49, 49];
const PLAIN: Rgb = [28, 126, 214];

/** Splits `text` into lines of at most `width` characters, at spaces where it can. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

const rowHeight = (f: Figure) =>
  Math.max(wrap(`${f.label}`, LABEL_CHARS).length * 20, f.baseline ? 40 : 20) + 16;

/**
 * The figures as horizontal bars: each figure (green where it met its target, red where it missed,
 * blue without one) beside its baseline (grey), with the target as a black tick. Every row has its
 * own scale.
 */
export function renderChart(report: BenchReport): Buffer {
  const sections = [...new Set(bySection(report.figures).map((f) => f.section))];
  const height =
    MARGIN * 2 + 110 + sections.length * 40 + report.figures.reduce((h, f) => h + rowHeight(f), 0);
  const r = new Raster(WIDTH, height, WHITE);
  let y = MARGIN;
  r.text(MARGIN, y, report.title, INK, 3);
  y += 34;
  r.text(
    MARGIN,
    y,
    `${report.mode} run, ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC, ` +
      `${report.machine.cpus} cores, Node ${report.machine.node}`,
    MUTED,
    2,
  );
  y += 28;
  let lx = MARGIN;
  for (const [color, label] of [
    [MET, 'target met'],
    [MISSED, 'target missed'],
    [PLAIN, 'no target'],
    [BASELINE, 'baseline, same run'],
  ] as const) {
    r.fill(lx, y + 2, 14, 14, color);
    r.text(lx + 20, y + 2, label, INK, 2);
    lx += 40 + label.length * 12;
  }
  r.fill(lx, y - 2, 3, 22, INK);
  r.text(lx + 10, y + 2, 'target', INK, 2);
  y += 48;

  for (const section of sections) {
    r.fill(MARGIN, y, WIDTH - 2 * MARGIN, 2, RULE);
    r.text(MARGIN, y + 10, section, INK, 2);
    y += 40;
    for (const f of report.figures.filter((x) => x.section === section)) {
      wrap(f.label, LABEL_CHARS).forEach((line, i) => r.text(MARGIN, y + i * 20, line, INK, 2));
      const top = Math.max(f.value, f.baseline?.value ?? 0, f.target?.value ?? 0, Number.MIN_VALUE);
      const scale = (v: number) => (Number.isFinite(v) ? (Math.max(0, v) / top) * BAR_WIDTH : 0);
      const color = f.target ? (f.target.met ? MET : MISSED) : PLAIN;
      const value = Number.isFinite(f.value) ? `${fmt(f.value)} ${f.unit}`.trim() : 'n/a';
      r.fill(BAR_X, y, scale(f.value), BAR_HEIGHT, color);
      r.text(BAR_X + scale(f.value) + 8, y + 1, value, INK, 2);
      if (f.baseline) {
        const b = f.baseline;
        r.fill(BAR_X, y + 20, scale(b.value), BAR_HEIGHT, BASELINE);
        r.text(BAR_X + scale(b.value) + 8, y + 21, `${fmt(b.value)} ${b.unit}`, MUTED, 2);
      }
      if (f.target?.value !== undefined) {
        r.fill(BAR_X + scale(f.target.value) - 1, y - 3, 3, (f.baseline ? 40 : 20) + 2, INK);
      }
      y += rowHeight(f);
    }
  }
  return r.toPng();
}
