import { summarize, type SampleSummary } from '../analysis/stats';
import type { PairMetrics } from '../analysis/metrics';
import { APP_NAME, APP_VERSION } from '../shared/version';

/**
 * The files of an evaluation: `metrics.csv` (one row per image and target), `summary.json`
 * (aggregates per target, per modality and overall) and `report.html` (box plots per target and
 * the worst cases with thumbnails, self-contained: inline SVG and data: images, no script, no
 * external resource). Pure text builders; writing them is the caller's.
 */

export const EVALUATION_SUMMARY_SCHEMA = 'medimageparse.evaluation/1';

/** The columns of metrics.csv; the first ten are the documented interface, later ones are extra. */
export const METRICS_COLUMNS = [
  'image',
  'target',
  'dice',
  'iou',
  'sensitivity',
  'precision',
  'hd95_mm',
  'assd_mm',
  'pred_pixels',
  'truth_pixels',
  'case',
  'hd_mm',
  'distance_unit',
  'pred_size',
  'truth_size',
  'size_diff',
  'relative_size_diff',
  'size_unit',
  'modality',
] as const;

/** What the report needs of one evaluated pair. */
export interface EvaluatedPair {
  image: string;
  target: string;
  modality: string;
  metrics: PairMetrics;
  /** 2 for images, 3 for volumes. */
  dimensions: number;
}

/** The metrics aggregated per group; `distance` metrics mix mm and pixels only when the pairs do. */
const SUMMARY_METRICS = {
  dice: (m: PairMetrics) => m.dice,
  iou: (m: PairMetrics) => m.iou,
  sensitivity: (m: PairMetrics) => m.sensitivity,
  precision: (m: PairMetrics) => m.precision,
  hd95_mm: (m: PairMetrics) => m.hd95,
  assd_mm: (m: PairMetrics) => m.assd,
  relative_size_diff: (m: PairMetrics) => m.relativeSizeDiff,
} as const;

type SummaryMetric = keyof typeof SUMMARY_METRICS;

export interface GroupSummary {
  /** Pairs in the group. */
  n: number;
  cases: Record<PairMetrics['case'], number>;
  /** Per metric: its summary over the pairs where it is defined (its own n). */
  metrics: Record<SummaryMetric, SampleSummary>;
}

export interface EvaluationSummary {
  schema: typeof EVALUATION_SUMMARY_SCHEMA;
  app: { name: string; version: string };
  createdAt: string;
  pred: string;
  truth: string;
  pairs: number;
  /** 'mm' when every pair's spacing was known; 'pixel' when none was; 'mixed' otherwise. */
  distanceUnit: 'mm' | 'pixel' | 'mixed' | 'none';
  notes: string[];
  overall: GroupSummary;
  perTarget: Record<string, GroupSummary>;
  perModality: Record<string, GroupSummary>;
  skipped: { image: string; target?: string; reason: string }[];
  predWithoutTruth: string[];
  truthWithoutPred: number;
  warnings: string[];
  definitions: Record<string, string>;
}

const DEFINITIONS: Record<string, string> = {
  inside:
    'A mask pixel or voxel is inside when above the mask threshold (0/1 masks: 1; 8-bit masks and probability maps: ≥ 128; label volumes: the target label).',
  surface: 'Mask voxels with a face neighbour outside the mask or the grid (mask XOR its erosion).',
  hd95_mm:
    '95th percentile (linear interpolation) of the distances from each surface voxel of either mask to the nearest surface voxel of the other, both directions pooled; mm when the spacing is known, else pixels.',
  assd_mm: 'Mean of the same pooled surface distances (average symmetric surface distance).',
  'both-empty': 'Prediction and truth both empty: dice, iou, sensitivity and precision 1, distances 0.',
  'truth-empty':
    'Truth empty, prediction not: dice and iou 0, precision 0, sensitivity and distances null (undefined).',
  'pred-empty':
    'Prediction empty, truth not: dice, iou and sensitivity 0, precision and distances null (undefined).',
  aggregates:
    'mean, median, q1, q3 (linear interpolation), iqr = q3 − q1, over the pairs where the metric is defined (their count is the metric’s n).',
};

function group(pairs: readonly EvaluatedPair[]): GroupSummary {
  const cases = { 'both-present': 0, 'both-empty': 0, 'truth-empty': 0, 'pred-empty': 0 };
  for (const p of pairs) cases[p.metrics.case]++;
  const metrics = {} as Record<SummaryMetric, SampleSummary>;
  for (const [key, get] of Object.entries(SUMMARY_METRICS) as [
    SummaryMetric,
    (m: PairMetrics) => number | null,
  ][])
    metrics[key] = summarize(pairs.map((p) => get(p.metrics)));
  return { n: pairs.length, cases, metrics };
}

function groupBy(
  pairs: readonly EvaluatedPair[],
  key: (p: EvaluatedPair) => string,
): Record<string, GroupSummary> {
  const groups = new Map<string, EvaluatedPair[]>();
  for (const p of pairs) {
    const k = key(p);
    const list = groups.get(k) ?? [];
    list.push(p);
    groups.set(k, list);
  }
  return Object.fromEntries([...groups.keys()].sort().map((k) => [k, group(groups.get(k)!)]));
}

export function buildSummary(input: {
  pred: string;
  truth: string;
  pairs: readonly EvaluatedPair[];
  skipped: EvaluationSummary['skipped'];
  predWithoutTruth: string[];
  truthWithoutPred: number;
  warnings: string[];
  now?: Date;
}): EvaluationSummary {
  const units = new Set(
    input.pairs.filter((p) => p.metrics.case === 'both-present').map((p) => p.metrics.distanceUnit),
  );
  const distanceUnit = units.size === 0 ? 'none' : units.size > 1 ? 'mixed' : [...units][0];
  const notes: string[] = [];
  if (distanceUnit === 'pixel' || distanceUnit === 'mixed')
    notes.push(
      distanceUnit === 'pixel'
        ? 'No pixel spacing is known for these masks (plain PNG images): hd95_mm, assd_mm and hd_mm are in pixels, one pixel counting as 1 mm.'
        : 'Pixel spacing is known for some pairs only: for the others (distance_unit "pixel" in metrics.csv) hd95_mm, assd_mm and hd_mm are in pixels.',
    );
  notes.push('Research use only; not for clinical use.');
  return {
    schema: EVALUATION_SUMMARY_SCHEMA,
    app: { name: APP_NAME, version: APP_VERSION },
    createdAt: (input.now ?? new Date()).toISOString(),
    pred: input.pred,
    truth: input.truth,
    pairs: input.pairs.length,
    distanceUnit,
    notes,
    overall: group(input.pairs),
    perTarget: groupBy(input.pairs, (p) => p.target),
    perModality: groupBy(input.pairs, (p) => p.modality),
    skipped: input.skipped,
    predWithoutTruth: input.predWithoutTruth,
    truthWithoutPred: input.truthWithoutPred,
    warnings: input.warnings,
    definitions: DEFINITIONS,
  };
}

/** A number for the CSV: up to 6 decimals, no exponent surprises, empty for null. */
function num(v: number | null): string {
  if (v === null) return '';
  if (Number.isInteger(v)) return String(v);
  return String(Math.round(v * 1e6) / 1e6);
}

function csvField(value: string): string {
  // Leading = + - @ would make spreadsheets run a formula from a file name.
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function metricsCsv(pairs: readonly EvaluatedPair[]): string {
  const lines = [METRICS_COLUMNS.join(',')];
  for (const p of pairs) {
    const m = p.metrics;
    const sizeUnit =
      m.distanceUnit === 'mm' ? (p.dimensions === 3 ? 'mm3' : 'mm2') : p.dimensions === 3 ? 'voxel' : 'pixel';
    const row = [
      csvField(p.image),
      csvField(p.target),
      num(m.dice),
      num(m.iou),
      num(m.sensitivity),
      num(m.precision),
      num(m.hd95),
      num(m.assd),
      num(m.predVoxels),
      num(m.truthVoxels),
      m.case,
      num(m.hd),
      m.distanceUnit,
      num(m.predSize),
      num(m.truthSize),
      num(m.sizeDiff),
      num(m.relativeSizeDiff),
      sizeUnit,
      csvField(p.modality),
    ];
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}

/** A worst case shown in the report, with its overlay thumbnail (PNG bytes), when one could be made. */
export interface WorstCase {
  pair: EvaluatedPair;
  thumbnailPng?: Uint8Array;
  /** What the thumbnail shows (e.g. "slice 24 of 48"). */
  caption?: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const fmt = (v: number | null | undefined, digits = 3) =>
  v === null || v === undefined ? '–' : v.toFixed(digits);

/** The smallest of 1, 2, 2.5, 5 × 10^k (so that quarter ticks read well) at or above `v`, above `lo`. */
function niceCeiling(v: number, lo: number): number {
  if (!(v > lo)) return lo + 1;
  const span = v - lo;
  const pow = 10 ** Math.floor(Math.log10(span));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * pow >= span)!;
  return lo + step * pow;
}

/**
 * A horizontal box plot, one row per target: whiskers to the most extreme values within 1.5 IQR,
 * dots beyond them. Plain SVG with a <title> on each box for the figures.
 */
function boxPlot(
  title: string,
  rows: { label: string; values: number[] }[],
  domain: [number, number] | undefined,
  unit: string,
): string {
  const shown = rows.filter((r) => r.values.length > 0);
  if (shown.length === 0) return `<p class="empty">${escapeHtml(title)}: no defined values.</p>`;
  const all = shown.flatMap((r) => r.values);
  const lo = domain ? domain[0] : Math.min(0, ...all);
  const hi = domain ? domain[1] : niceCeiling(Math.max(...all), lo);
  const labelW = 170;
  const plotW = 420;
  const rowH = 22;
  const top = 26;
  const height = top + shown.length * rowH + 26;
  const x = (v: number) => labelW + ((v - lo) / (hi - lo)) * plotW;
  const parts: string[] = [];
  parts.push(
    `<text x="${labelW}" y="16" class="title">${escapeHtml(title)}${unit ? ` (${escapeHtml(unit)})` : ''}</text>`,
  );
  shown.forEach((r, i) => {
    const s = summarize(r.values);
    const q1 = s.q1!;
    const q3 = s.q3!;
    const fence = 1.5 * (q3 - q1);
    const inner = r.values.filter((v) => v >= q1 - fence && v <= q3 + fence);
    const wLo = Math.min(...inner);
    const wHi = Math.max(...inner);
    const cy = top + i * rowH + rowH / 2;
    const tip = `${r.label}: n ${s.n}, median ${fmt(s.median)}, IQR ${fmt(q1)}–${fmt(q3)}, mean ${fmt(s.mean)}`;
    parts.push(`<g><title>${escapeHtml(tip)}</title>`);
    parts.push(`<text x="${labelW - 8}" y="${cy + 4}" class="label">${escapeHtml(r.label)} (${s.n})</text>`);
    parts.push(
      `<line x1="${x(wLo).toFixed(1)}" x2="${x(wHi).toFixed(1)}" y1="${cy}" y2="${cy}" class="whisker"/>`,
    );
    parts.push(
      `<rect x="${x(q1).toFixed(1)}" y="${cy - 7}" width="${Math.max(1, x(q3) - x(q1)).toFixed(1)}" height="14" class="box"/>`,
    );
    parts.push(
      `<line x1="${x(s.median!).toFixed(1)}" x2="${x(s.median!).toFixed(1)}" y1="${cy - 7}" y2="${cy + 7}" class="median"/>`,
    );
    for (const v of r.values)
      if (v < wLo || v > wHi)
        parts.push(`<circle cx="${x(v).toFixed(1)}" cy="${cy}" r="2.5" class="outlier"/>`);
    parts.push('</g>');
  });
  const axisY = top + shown.length * rowH + 4;
  parts.push(`<line x1="${labelW}" x2="${labelW + plotW}" y1="${axisY}" y2="${axisY}" class="axis"/>`);
  for (let t = 0; t <= 4; t++) {
    const v = lo + ((hi - lo) * t) / 4;
    parts.push(
      `<text x="${x(v).toFixed(1)}" y="${axisY + 14}" class="tick">${escapeHtml(Number(v.toPrecision(3)).toString())}</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(title)}" width="${labelW + plotW + 20}" height="${height}" viewBox="0 0 ${labelW + plotW + 20} ${height}">${parts.join('')}</svg>`;
}

const STYLE = `
body { font-family: var(--vscode-font-family, system-ui, sans-serif); color: var(--vscode-foreground, #222); background: var(--vscode-editor-background, #fff); margin: 1.2em; max-width: 1100px; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { white-space: nowrap; border-bottom: 1px solid rgba(128,128,128,0.35); padding: 3px 8px; text-align: right; }
th:first-child, td:first-child, td.text { text-align: left; }
.note { opacity: 0.85; }
svg text { fill: currentColor; font-size: 11px; }
svg .title { font-weight: 600; font-size: 12px; }
svg .label { text-anchor: end; }
svg .tick { text-anchor: middle; opacity: 0.8; }
svg .box { fill: rgba(70,130,220,0.35); stroke: rgb(70,130,220); }
svg .median { stroke: currentColor; stroke-width: 2; }
svg .whisker, svg .axis { stroke: currentColor; opacity: 0.6; }
svg .outlier { fill: rgb(220,80,60); }
.cases { display: flex; flex-wrap: wrap; gap: 14px; }
figure { margin: 0; width: 200px; font-size: 0.85em; }
figure img { width: 192px; height: auto; image-rendering: pixelated; border: 1px solid rgba(128,128,128,0.4); }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; vertical-align: middle; margin: 0 0.2em 0 0.8em; }
.tp { background: rgb(40,200,80); } .fp { background: rgb(235,60,50); } .fn { background: rgb(50,130,255); }
`;

/**
 * The HTML report. `csp.nonce` (webviews) puts the style under a nonce; the file written to disk
 * uses the same strict policy with the style's hash unnecessary: no script runs either way.
 */
export function evaluationHtml(
  summary: EvaluationSummary,
  pairs: readonly EvaluatedPair[],
  worst: readonly WorstCase[],
  options: { nonce?: string } = {},
): string {
  const styleSrc = options.nonce ? `'nonce-${options.nonce}'` : "'unsafe-inline'";
  const csp = `default-src 'none'; img-src data:; style-src ${styleSrc}`;
  const targets = Object.keys(summary.perTarget);
  const unit =
    summary.distanceUnit === 'pixel' ? 'pixels' : summary.distanceUnit === 'mixed' ? 'mm or pixels' : 'mm';
  const values = (target: string, get: (m: PairMetrics) => number | null) =>
    pairs
      .filter((p) => p.target === target)
      .map((p) => get(p.metrics))
      .filter((v): v is number => v !== null);
  const plot = (title: string, get: (m: PairMetrics) => number | null, domain?: [number, number], u = '') =>
    boxPlot(
      title,
      targets.map((t) => ({ label: t, values: values(t, get) })),
      domain,
      u,
    );
  const groupRows = (groups: Record<string, GroupSummary>) =>
    Object.entries(groups)
      .map(([name, g]) => {
        const d = g.metrics.dice;
        const h = g.metrics.hd95_mm;
        return `<tr><td class="text">${escapeHtml(name)}</td><td>${g.n}</td><td>${fmt(d.mean)}</td><td>${fmt(d.median)}</td><td>${fmt(d.q1)}–${fmt(d.q3)}</td><td>${fmt(h.median, 2)}</td><td>${fmt(g.metrics.assd_mm.median, 2)}</td><td>${g.cases['both-empty']}/${g.cases['truth-empty']}/${g.cases['pred-empty']}</td></tr>`;
      })
      .join('');
  const groupTable = (title: string, groups: Record<string, GroupSummary>) =>
    `<h2>${escapeHtml(title)}</h2><table><thead><tr><th>${escapeHtml(title.replace('Per ', ''))}</th><th>n</th><th>Dice mean</th><th>Dice median</th><th>Dice IQR</th><th>HD95 median (${unit})</th><th>ASSD median (${unit})</th><th>empty: both/truth/pred</th></tr></thead><tbody>${groupRows(groups)}</tbody></table>`;
  const worstHtml = worst.length
    ? `<h2>Worst cases (lowest Dice)</h2><p><span class="swatch tp"></span>true positive<span class="swatch fp"></span>false positive (predicted only)<span class="swatch fn"></span>false negative (truth only)</p><div class="cases">${worst
        .map((w) => {
          const m = w.pair.metrics;
          const img = w.thumbnailPng
            ? `<img alt="${escapeHtml(`${w.pair.image} ${w.pair.target}`)}" src="data:image/png;base64,${Buffer.from(w.thumbnailPng).toString('base64')}">`
            : '<p class="note">(no thumbnail)</p>';
          return `<figure>${img}<figcaption><b>${escapeHtml(w.pair.image)}</b><br>${escapeHtml(w.pair.target)}: Dice ${fmt(m.dice)}, HD95 ${fmt(m.hd95, 1)}${w.caption ? `<br>${escapeHtml(w.caption)}` : ''}${m.case !== 'both-present' ? `<br>${escapeHtml(m.case)}` : ''}</figcaption></figure>`;
        })
        .join('')}</div>`
    : '';
  const skippedHtml = summary.skipped.length
    ? `<h2>Not evaluated (${summary.skipped.length})</h2><table><thead><tr><th>image</th><th>target</th><th>reason</th></tr></thead><tbody>${summary.skipped
        .slice(0, 200)
        .map(
          (s) =>
            `<tr><td class="text">${escapeHtml(s.image)}</td><td class="text">${escapeHtml(s.target ?? '')}</td><td class="text">${escapeHtml(s.reason)}</td></tr>`,
        )
        .join(
          '',
        )}</tbody></table>${summary.skipped.length > 200 ? '<p class="note">… the rest are in summary.json.</p>' : ''}`
    : '';
  const style = options.nonce
    ? `<style nonce="${options.nonce}">${STYLE}</style>`
    : `<style>${STYLE}</style>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>MedImageParse evaluation</title>
${style}
</head>
<body>
<h1>MedImageParse evaluation against ground truth</h1>
<p>${summary.pairs} image/target pair(s); predictions <code>${escapeHtml(summary.pred)}</code>, ground truth <code>${escapeHtml(summary.truth)}</code>; ${escapeHtml(summary.createdAt)}.</p>
${summary.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('')}
${summary.predWithoutTruth.length ? `<p class="note">${summary.predWithoutTruth.length} predicted image(s) have no ground truth: ${escapeHtml(summary.predWithoutTruth.slice(0, 10).join(', '))}${summary.predWithoutTruth.length > 10 ? ', …' : ''}</p>` : ''}
<h2>Per target</h2>
${plot('Dice', (m) => m.dice, [0, 1])}
${plot('HD95', (m) => m.hd95, undefined, unit)}
${groupTable('Per target', summary.perTarget)}
${groupTable('Per modality', summary.perModality)}
${worstHtml}
${skippedHtml}
<p class="note">metrics.csv has one row per image and target; summary.json the aggregates and definitions. Research use only; not for clinical use.</p>
</body>
</html>
`;
}
