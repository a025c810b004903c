// Charts for the HTML reports: echarts rendered on the server to SVG strings, so a report is
// one file that needs no script and no network to show them. Every chart's root <svg> carries
// data-chart="<kind>" so tests (and readers of the source) can find and count them.
// The one-file build, not the package's entry: that one is hundreds of small modules, and
// loading them is a noticeable part of a short run that writes a report.
import * as echarts from 'echarts/dist/echarts.esm.min.mjs';

export type ChartOption = echarts.EChartsCoreOption;

// Without a canvas, echarts estimates text widths from Arial's metrics, and legends laid out
// that way overlap once a browser draws them in a wider sans-serif (DejaVu Sans on Debian).
// A deliberately generous estimate keeps legend items and labels apart in any common font.
const narrow = new Set([...'ijlI.,:;\'|!()[] ']);
const wide = new Set([...'mwMW@%']);
echarts.setPlatformAPI({
  measureText(text: string, font?: string) {
    const size = Number(/(\d+(?:\.\d+)?)px/.exec(font ?? '')?.[1] ?? 12);
    let em = 0;
    for (const ch of text ?? '') em += narrow.has(ch) ? 0.32 : wide.has(ch) ? 0.92 : ch >= 'A' && ch <= 'Z' ? 0.7 : 0.6;
    return { width: em * size } as TextMetrics;
  },
});

export interface ChartSize {
  readonly width: number;
  readonly height: number;
}

/** The colours of the report kit, in series order. */
export const palette = ['#1f5fa8', '#d9822b', '#2e8b57', '#b3261e', '#7b4fa0', '#8c6d1f', '#3aa6b9', '#c0508f', '#5b6474', '#9bbf3c'];

/**
 * Renders any echarts option to an SVG string (server-side, no DOM) and disposes the chart.
 * `kind` names the chart in its data-chart attribute; `label` becomes its accessible name.
 */
export function renderChart(option: ChartOption, size: ChartSize, kind = 'chart', label?: string, key?: string): string {
  const attrs = ` data-chart="${escapeAttr(kind)}" role="img"${label ? ` aria-label="${escapeAttr(label)}"` : ''}`;
  return numbered(drawn(option, size, key)).replace(/^<svg\b/, `<svg${attrs}`);
}

/**
 * An SVG drawn once per option and size. The quality reports draw the same charts over and
 * over: many checks share a trend line, and the shareable report repeats the operators'
 * charts, so a night would otherwise spend much of its report time drawing. The SVG is kept with its
 * ids made relative: echarts numbers its instances (zr<n>-) and style classes (zr<n>-cls-<m>)
 * with process-wide counters, and `numbered` gives every chart, drawn or reused, the numbers
 * echarts would have given it, so a report is byte for byte what it was without the cache.
 * Options holding a function (a label formatter) are cached only under a key the caller gives:
 * lineChart and barChart key by their own options, plain data from which they build the chart.
 */
interface Drawn {
  /** The SVG with instance ids as `zr#-` and class numbers counted from 0. */
  readonly svg: string;
  /** How many class numbers echarts gave out while drawing it. */
  readonly classes: number;
}

const drawings = new Map<string, Drawn>();
/** The next instance and class numbers echarts would give out (its counters start at 0). */
let nextInstance = 0;
let nextClass = 0;

function drawn(option: ChartOption, size: ChartSize, given?: string): Drawn {
  let key: string | null = given === undefined ? null : JSON.stringify([size.width, size.height, given]);
  if (key === null) {
    try {
      key = JSON.stringify([size.width, size.height, option], (_, v: unknown) => {
        if (typeof v === 'function') throw new Error('not cacheable');
        return v;
      });
    } catch {
      key = null;
    }
  }
  const known = key === null ? undefined : drawings.get(key);
  if (known) return known;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: size.width, height: size.height });
  let svg: string;
  try {
    chart.setOption({ animation: false, color: palette, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...option });
    svg = chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
  // Echarts' own counters are ahead of ours by whatever cached charts skipped: the smallest
  // class number in this SVG is where echarts' class counter stood.
  const used = [...svg.matchAll(/\bzr\d+-cls-(\d+)/g)].map((m) => Number(m[1]));
  const first = used.length ? Math.min(...used) : 0;
  const d: Drawn = {
    svg: svg.replace(/\bzr\d+-cls-(\d+)/g, (_, n: string) => `zr#-cls-${Number(n) - first}`).replace(/\bzr\d+-/g, 'zr#-'),
    classes: used.length ? Math.max(...used) - first + 1 : 0,
  };
  if (key !== null) drawings.set(key, d);
  return d;
}

/** The drawing with the instance and class numbers this chart gets in the process's order of charts. */
function numbered(d: Drawn): string {
  const instance = nextInstance++;
  const base = nextClass;
  nextClass += d.classes;
  return d.svg.replace(/\bzr#-cls-(\d+)/g, (_, n: string) => `zr${instance}-cls-${base + Number(n)}`).replaceAll('zr#-', `zr${instance}-`);
}

function escapeAttr(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** A count on an axis or a bar: whole numbers with thousands separators (1,234). */
const countFormatter = (v: number) => (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 2 }));

/** The name of a value axis, centred along it. */
function axisName(name: string | undefined) {
  return name ? { name, nameLocation: 'middle', nameGap: 30, nameTextStyle: { color: '#5b6474' } } : {};
}

export interface LineSeries {
  readonly name: string;
  /** One value per category; null leaves a gap (no data, or suppressed). */
  readonly values: readonly (number | null)[];
  /** An interval drawn as a shaded band around the line (e.g. Wilson 95%). */
  readonly band?: { readonly low: readonly (number | null)[]; readonly high: readonly (number | null)[] };
  readonly dashed?: boolean;
  /**
   * Points to draw faded, without their band (e.g. a cell with too few observations to read its
   * share); a series faded at every point is drawn faded throughout.
   */
  readonly faded?: readonly boolean[];
}

export interface LineChartOptions {
  readonly title?: string;
  readonly categories: readonly string[];
  readonly series: readonly LineSeries[];
  /** Values are shares 0..1 shown as percentages. */
  readonly percent?: boolean;
  readonly yMin?: number;
  readonly yMax?: number;
  /** What the value axis counts ("rows"), written beside it. */
  readonly yName?: string;
  /** Written after each value on the axis (" %" for percents of 0..100); not with `percent`. */
  readonly valueSuffix?: string;
  /** Horizontal reference lines, e.g. a target. */
  readonly marks?: readonly { readonly value: number; readonly label: string }[];
  readonly width?: number;
  readonly height?: number;
}

/**
 * How many lines a plain legend of these names wraps to at this width: ECharts places the plot by
 * the grid alone, so a legend that wraps would run into it. Estimated from the names' lengths
 * (12 px text, about 7 px a character, 40 px for the symbol and gap).
 */
function legendLines(names: readonly string[], width: number): number {
  let lines = 1;
  let used = 0;
  for (const name of names) {
    const item = name.length * 7 + 40;
    if (used > 0 && used + item > width - 10) {
      lines += 1;
      used = 0;
    }
    used += item;
  }
  return lines;
}

/** A line chart over categories (months), with optional bands and reference lines. */
export function lineChart(options: LineChartOptions): string {
  const percentFormatter = (v: number) => `${Math.round(v * 1000) / 10}%`;
  const series: unknown[] = [];
  options.series.forEach((s, i) => {
    const colour = palette[i % palette.length];
    if (s.band) {
      const stack = `band-${i}`;
      const low = s.band.low.map((v, k) => (s.faded?.[k] ? null : v));
      const high = s.band.high.map((v, k) => (s.faded?.[k] ? null : v));
      series.push({
        type: 'line', name: `${s.name} low`, stack, data: low.map((v, k) => (v === null || high[k] === null ? null : v)),
        lineStyle: { opacity: 0 }, symbol: 'none', silent: true, tooltip: { show: false },
      });
      series.push({
        type: 'line', name: `${s.name} interval`, stack, data: low.map((v, k) => (v === null || high[k] === null || high[k] === undefined ? null : (high[k] as number) - v)),
        lineStyle: { opacity: 0 }, symbol: 'none', areaStyle: { color: colour, opacity: 0.15 }, silent: true,
      });
    }
    const shown = s.values.map((v, k) => (v === null ? null : k)).filter((k): k is number => k !== null);
    const allFaded = s.faded !== undefined && shown.length > 0 && shown.every((k) => s.faded![k]);
    series.push({
      type: 'line', name: s.name, symbol: 'circle', symbolSize: 4, color: colour,
      data: s.values.map((v, k) => (v !== null && s.faded?.[k] ? { value: v, itemStyle: { opacity: 0.3 } } : v)),
      lineStyle: { width: allFaded ? 1 : 2, type: s.dashed ? 'dashed' : 'solid', opacity: allFaded ? 0.3 : 1 },
      ...(i === 0 && options.marks?.length
        ? {
            markLine: {
              silent: true, symbol: 'none', lineStyle: { color: '#b3261e', type: 'dashed' },
              label: { formatter: '{b}', position: 'insideEndTop' },
              data: options.marks.map((m) => ({ yAxis: m.value, name: m.label })),
            },
          }
        : {}),
    });
  });
  const named = options.series.map((s) => s.name);
  const markValues = (options.marks ?? []).map((m) => m.value);
  const markMin = markValues.length ? Math.min(...markValues) : undefined;
  const markMax = markValues.length ? Math.max(...markValues) : undefined;
  const option: ChartOption = {
    title: options.title ? { text: options.title, left: 'left', top: 2, textStyle: { fontSize: 14 } } : undefined,
    legend: named.length > 1 ? { data: named, top: options.title ? 30 : 2, left: 'left', type: 'plain' } : undefined,
    grid: { left: 56, right: 24, top: (options.title ? 30 : 4) + (named.length > 1 ? 12 + 22 * legendLines(named, options.width ?? 760) : 12), bottom: 32 },
    xAxis: { type: 'category', data: [...options.categories], boundaryGap: false },
    yAxis: {
      type: 'value', scale: options.yMin === undefined,
      // Reference lines outside the data's range would be clipped: widen the axis to show them.
      // Shares get axis ends on whole 10-point steps within 0..100%.
      min: options.yMin ?? ((v: { min: number }) => {
        const m = Math.min(v.min, markMin ?? v.min);
        return options.percent ? Math.max(0, Math.floor(m * 10) / 10) : m;
      }),
      // Counts without reference lines: echarts' own round end above the data.
      max: options.yMax ?? (!options.percent && markMax === undefined ? undefined : (v: { max: number }) => {
        const m = Math.max(v.max, markMax ?? v.max);
        return options.percent ? Math.min(1, Math.ceil(m * 10) / 10) : m;
      }),
      // Every value axis gets its formatter: without one, echarts' server-side rendering drew no
      // tick labels on count axes of these charts, leaving bars and lines without a scale.
      axisLabel: { show: true, formatter: options.percent ? percentFormatter : (v: number) => `${countFormatter(v)}${options.valueSuffix ?? ''}` },
      ...axisName(options.yName),
    },
    series,
  };
  // Its formatters are functions, so the option cannot be the cache's key: the options it is
  // made from (plain data) are (the operators' and the shareable report draw the same trends).
  return renderChart(option, { width: options.width ?? 760, height: options.height ?? 300 }, 'line', options.title, JSON.stringify(['line', options]));
}

export interface BarChartOptions {
  readonly title?: string;
  readonly categories: readonly string[];
  readonly series: readonly { readonly name: string; readonly values: readonly (number | null)[] }[];
  readonly stacked?: boolean;
  /** Bars run left to right with categories down the side (good for long names). */
  readonly horizontal?: boolean;
  readonly percent?: boolean;
  /** The value axis's end, fixed (otherwise it follows the largest bar). */
  readonly max?: number;
  /** Values are changes in shares, shown as percentage points. */
  readonly points?: boolean;
  /** Each bar's value written at its end. */
  readonly valueLabels?: boolean;
  /** What the value axis counts ("failing rows"), written beside it. */
  readonly valueName?: string;
  /** Room for the category names of a horizontal chart, in pixels (default 140). */
  readonly categoryWidth?: number;
  readonly width?: number;
  readonly height?: number;
}

/** A bar chart, grouped or stacked (stacked bars of mixed sign stack away from zero). */
export function barChart(options: BarChartOptions): string {
  const fmt = options.points
    ? (v: number) => `${Math.round(v * 1000) / 10} pp`
    : options.percent
      ? (v: number) => `${Math.round(v * 1000) / 10}%`
      : countFormatter;
  const category = { type: 'category', data: [...options.categories] };
  // an explicit formatter on every value axis: see lineChart
  const value = { type: 'value', max: options.max, axisLabel: { show: true, formatter: fmt }, ...axisName(options.valueName) };
  const named = options.series.map((s) => s.name);
  const option: ChartOption = {
    title: options.title ? { text: options.title, left: 'left', top: 2, textStyle: { fontSize: 14 } } : undefined,
    legend: named.length > 1 ? { data: named, top: options.title ? 30 : 2, left: 'left' } : undefined,
    grid: {
      left: options.horizontal ? (options.categoryWidth ?? 140) : 56, right: options.valueLabels && options.horizontal ? 56 : 24,
      top: (options.title ? 30 : 4) + (named.length > 1 ? 34 : 12), bottom: options.valueName ? 48 : 32,
    },
    xAxis: options.horizontal ? value : category,
    yAxis: options.horizontal ? { ...category, inverse: true } : value,
    series: options.series.map((s) => ({
      type: 'bar', name: s.name, data: [...s.values], stack: options.stacked ? 'total' : undefined,
      barMaxWidth: 28,
      ...(options.valueLabels
        ? { label: { show: true, position: options.horizontal ? 'right' : 'top', formatter: (p: { value: number }) => fmt(p.value) } }
        : {}),
    })),
  };
  return renderChart(option, { width: options.width ?? 760, height: options.height ?? 300 }, 'bar', options.title, JSON.stringify(['bar', options]));
}

export interface SparklineOptions {
  readonly width?: number;
  readonly height?: number;
  readonly min?: number;
  readonly max?: number;
  /** A faint horizontal line, e.g. the target. */
  readonly reference?: number;
  readonly label?: string;
}

/**
 * A tiny trend line without axes, for a table cell. Nulls leave gaps. Drawn here as SVG lines,
 * not by echarts: a night's reports carry a few dozen, and echarts builds an instance, a layout
 * and a renderer for each one line, which made them most of the reports' time after the commit.
 */
export function sparkline(values: readonly (number | null)[], options: SparklineOptions = {}): string {
  const width = options.width ?? 120;
  const height = options.height ?? 28;
  const min = options.min ?? 0;
  const max = options.max ?? 1;
  // a 2-pixel margin, as a chart's grid; values beyond min..max are drawn at the edge
  const x = (i: number) => (values.length > 1 ? 2 + (i * (width - 4)) / (values.length - 1) : width / 2);
  const y = (v: number) => 2 + (1 - Math.min(1, Math.max(0, max > min ? (v - min) / (max - min) : 0.5))) * (height - 4);
  const at = (n: number) => String(Math.round(n * 100) / 100);
  const runs: string[][] = [];
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) return;
    if (i === 0 || values[i - 1] === null || !Number.isFinite(values[i - 1])) runs.push([]);
    runs.at(-1)!.push(`${at(x(i))},${at(y(v))}`);
  });
  const lines = runs.filter((r) => r.length > 1)
    .map((r) => `<polyline points="${r.join(' ')}" fill="none" stroke="${palette[0]}" stroke-width="1.5" stroke-linejoin="round"/>`);
  const reference = options.reference === undefined ? ''
    : `<line x1="2" x2="${width - 2}" y1="${at(y(options.reference))}" y2="${at(y(options.reference))}" stroke="#b3261e" stroke-width="1" stroke-dasharray="1 2"/>`;
  const label = options.label ? ` aria-label="${escapeAttr(options.label)}"` : '';
  return `<svg data-chart="sparkline" role="img"${label} xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${lines.join('')}${reference}</svg>`;
}
