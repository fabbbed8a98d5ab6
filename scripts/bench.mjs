// `npm run bench`: runs every benchmark in bench/ (each in its own child process, one after the
// other so they do not compete for the cores), shows their output live, then prints one summary
// table of medians (and ratios vs the reference where the bench names one) and writes everything
// to bench/results/<timestamp>.json. Exits non-zero if any bench failed.
//
// A bench may end with a line `BENCH_JSON {...}`; otherwise its text output is parsed (the known
// formats below) and, failing that, its "median" lines are kept verbatim.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { NODE_EXTERNALS } from './build.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(repoRoot, 'bench');
const TIMEOUT_MS = Number(process.env.MEDIMAGEPARSE_BENCH_TIMEOUT_MS ?? 30 * 60_000);
const only = process.argv.slice(2);

/**
 * Every bench/*.bench.ts (bundled, see bundleBench) and bench/*.bench.mjs (run with node), sorted.
 */
function discover() {
  return fs
    .readdirSync(benchDir)
    .filter((f) => /\.bench\.(ts|mjs|js)$/.test(f))
    .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
    .sort()
    .map((f) => {
      const file = path.join('bench', f);
      const name = f.replace(/\.bench\.\w+$/, '');
      const cmd = [process.execPath, f.endsWith('.ts') ? path.join('dist', `${name}.bench.js`) : file];
      return { name, file, cmd };
    });
}

/**
 * A TypeScript bench runs the code as the extension and the CLI ship it: bundled by esbuild into
 * dist/ (beside a freshly built imaging-worker.js, which the model input's resize looks for next
 * to the bundle). Run through tsx instead, every use of an imported binding is a getter call
 * (its CommonJS transform), which made the hot pixel loops measurably slower than shipped.
 */
async function bundleBench({ name, file }) {
  await esbuild.build({
    absWorkingDir: repoRoot,
    entryPoints: {
      [`${name}.bench`]: file,
      'imaging-worker': 'src/imaging/resize/worker.ts',
      'evaluate-worker': 'src/evaluate/worker.ts',
    },
    outdir: 'dist',
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: NODE_EXTERNALS,
    logLevel: 'warning',
  });
}

/** Runs one bench; resolves with its output and exit code (never rejects). */
function runBench({ cmd }) {
  return new Promise((resolve) => {
    const started = performance.now();
    // Own process group, so a timeout ends the bench and whatever it started (servers, browsers).
    const child = spawn(cmd[0], cmd.slice(1), {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      stdout += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      process.stderr.write(d);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }, TIMEOUT_MS);
    const done = (code, error) => {
      clearTimeout(timer);
      resolve({
        exitCode: timedOut ? 'timeout' : (code ?? 1),
        error: error?.message ?? (timedOut ? `did not finish within ${TIMEOUT_MS / 1000} s` : undefined),
        seconds: (performance.now() - started) / 1000,
        stdout,
        stderr,
      });
    };
    child.once('error', (e) => done(1, e));
    child.once('close', (code) => done(code));
  });
}

const num = (s) => Number(s);

/**
 * Per-bench readers of the text output: each returns rows
 * { metric, median, unit, reference?, ratio?, note? } (ratio = median / reference, < 1 is faster).
 */
const parsers = {
  imaging(out) {
    const rows = [];
    // "512² CT DICOM   41.2   39.0   60.1   150   3.6×   identical"
    const re =
      /^(.+?)\s{2,}(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)×\s*(.*)$/;
    for (const line of out.split('\n')) {
      const m = re.exec(line.trim());
      if (!m) continue;
      const median = num(m[2]);
      const reference = num(m[5]);
      rows.push({
        metric: `prepare ${m[1].trim()}`,
        median,
        unit: 'ms',
        reference,
        ratio: median / reference,
        note: `CPU ${m[4]} ms; fidelity ${m[7].trim() || '-'}`,
      });
    }
    return rows;
  },
  analysis(out) {
    const rows = [];
    const a = /analysis of 16 masks.*?median ([\d.]+) ms wall, ([\d.]+) ms CPU.*?budget ([\d.]+) ms/.exec(
      out,
    );
    if (a)
      rows.push({
        metric: '16 masks 1024²: components + p-values',
        median: num(a[1]),
        unit: 'ms',
        reference: num(a[3]),
        referenceKind: 'budget',
        ratio: num(a[1]) / num(a[3]),
        note: `CPU ${a[2]} ms`,
      });
    const r = /recognition of (\d+) maps.*?median ([\d.]+) ms/.exec(out);
    if (r) rows.push({ metric: `recognition, ${r[1]} maps`, median: num(r[2]), unit: 'ms' });
    return rows;
  },
  endpoint(out) {
    const rows = [];
    for (const m of out.matchAll(/^\s*(\d+) prompt\(s\): overhead ([\d.]+) ms \(total ([\d.]+) ms/gm)) {
      rows.push({
        metric: `client overhead, ${m[1]} prompt(s)`,
        median: num(m[2]),
        unit: 'ms',
        note: `total ${m[3]} ms`,
      });
    }
    for (const m of out.matchAll(
      /^decode (\S+) .*?\((\S+) image_features, ([\d.]+) MB\): median ([\d.]+) ms/gm,
    )) {
      rows.push({ metric: `decode ${m[1]} (${m[2]}, ${m[3]} MB)`, median: num(m[4]), unit: 'ms' });
    }
    return rows;
  },
  render(out) {
    const rows = [];
    // "threshold (drag)      3.10     4.20     6.00   (2.50: compose …)"
    for (const m of out.matchAll(/^(\S.*?)\s{2,}([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+\(([\d.]+):/gm)) {
      rows.push({
        metric: `repaint: ${m[1].trim()}`,
        median: num(m[2]),
        unit: 'ms',
        note: `p95 ${m[3]} ms; repaint fn ${m[5]} ms`,
      });
    }
    return rows;
  },
  memory(_out, json) {
    if (!json) return [];
    return json.rows.map((r) => ({
      metric: `peak rss opening ${r.case}`,
      median: r.openPeakMB,
      unit: 'MB',
      note: `${r.ok ? 'opened' : 'refused'}${r.preparePeakMB ? `; ${r.preparePeakMB} MB with the model input` : ''}; target < ${json.targetMB} MB`,
    }));
  },
  batchPrepare(_out, json) {
    if (!json) return [];
    return [
      {
        metric: `batch-prepare of ${json.images} images: throughput`,
        median: json.imagesPerSecond,
        unit: 'images/s',
        note: `${json.rows} rows in ${json.files} files, ${json.outputMB} MB, ${json.seconds} s`,
      },
      {
        metric: `batch-prepare of ${json.images} images: peak rss`,
        median: json.peakRssMB,
        unit: 'MB',
        reference: 1024,
        ratio: json.peakRssMB / 1024,
        note: `rss after 200 images ${json.rssAfter200MB} MB, at the end ${json.rssEndMB} MB (flat: ${json.pass.flat ? 'yes' : 'no'})`,
      },
    ];
  },
  fuzz(_out, json) {
    if (!json) return [];
    return [
      {
        metric: `${json.count} mutated inputs: median time per input`,
        median: json.medianMs,
        unit: 'ms',
        note: `opened ${json.opened}, refused ${json.refused}, unclear ${json.bad} (seed ${json.seed})`,
      },
    ];
  },
  volume(_out, json) {
    if (!json) return [];
    const t = json.targets;
    return [
      { metric: 'series assembly, 512×512×200 CT (200 files)', median: json.seriesAssemblyMs, unit: 'ms' },
      {
        metric: 'first slice decoded / whole volume decoded',
        median: json.firstSliceMs,
        unit: 'ms',
        note: `whole ${fmt(json.wholeVolumeMs)} ms`,
      },
      {
        metric: 'slice mode: client CPU per slice (loopback)',
        median: json.sliceCpuPerSliceMs,
        unit: 'ms',
        reference: t.cpuPerSliceMs,
        referenceKind: 'budget',
        ratio: json.sliceCpuPerSliceMs / t.cpuPerSliceMs,
        note: `then figures ${fmt(json.figuresCpuMs)} ms, export ${fmt(json.exportCpuMs)} ms CPU`,
      },
      {
        metric: 'slice mode: peak RSS of the run',
        median: json.slicePeakRssMB,
        unit: 'MB',
        reference: t.peakRssMB,
        referenceKind: 'budget',
        ratio: json.slicePeakRssMB / t.peakRssMB,
      },
      {
        metric: '3D mode: volume encoded as .nii.gz',
        median: json.encode3dMs,
        unit: 'ms',
        reference: t.encodeMs,
        referenceKind: 'budget',
        ratio: json.encode3dMs / t.encodeMs,
        note: `CPU ${fmt(json.encode3dCpuMs)} ms, ${fmt(json.encoded3dMB)} MB`,
      },
    ];
  },
  batch(_out, json) {
    if (!json) return [];
    return [
      {
        metric: `${json.images} images, cancel + resume: throughput`,
        median: json.imagesPerSecond,
        unit: 'img/s',
        note: `run 1 ${json.run1.seconds.toFixed(1)} s, run 2 ${json.run2.seconds.toFixed(1)} s; ${json.injected429} 429s`,
      },
      {
        metric: 'extension host peak rss',
        median: json.peakRssMB,
        unit: 'MB',
        note: `peak heapUsed ${json.peakHeapUsedMB} MB`,
      },
      {
        metric: 'extension host rss after 200 images',
        median: json.rssAfter200MB,
        unit: 'MB',
        note: `after 50: ${json.rssAfter50MB} MB (${json.memoryFlat ? 'flat' : 'GROWING'})`,
      },
    ];
  },
};

/** The last `BENCH_JSON {...}` line, parsed. */
function benchJson(out) {
  const line = out
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('BENCH_JSON '));
  if (!line) return undefined;
  try {
    return JSON.parse(line.slice('BENCH_JSON '.length));
  } catch {
    return undefined;
  }
}

function summarize(bench, run) {
  const json = benchJson(run.stdout);
  const parser = parsers[bench.name];
  let rows;
  try {
    rows = parser ? parser(run.stdout, json) : [];
  } catch (error) {
    rows = [{ metric: `(could not read the output: ${error.message})` }];
  }
  // An unknown format: keep the lines that state a median, verbatim.
  const verbatim = rows.length === 0 ? run.stdout.split('\n').filter((l) => /median/i.test(l)) : [];
  return { json, rows, verbatim };
}

function fmt(x) {
  if (x === undefined || x === null || Number.isNaN(x)) return '';
  if (typeof x !== 'number') return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function printTable(results) {
  const header = ['bench', 'metric', 'median', 'unit', 'reference', 'ratio', 'notes'];
  const lines = [];
  for (const r of results) {
    const status =
      r.exitCode === 0 ? '' : ` [${r.exitCode === 'timeout' ? 'TIMEOUT' : `FAILED, exit ${r.exitCode}`}]`;
    if (r.rows.length === 0 && r.verbatim.length === 0) {
      lines.push([`${r.name}${status}`, '(no results)', '', '', '', '', '']);
    }
    r.rows.forEach((row, i) =>
      lines.push([
        i === 0 ? `${r.name}${status}` : '',
        row.metric ?? '',
        fmt(row.median),
        row.unit ?? '',
        row.reference === undefined
          ? ''
          : `${fmt(row.reference)}${row.referenceKind ? ` (${row.referenceKind})` : ''}`,
        row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}×`,
        row.note ?? '',
      ]),
    );
    r.verbatim.forEach((v, i) =>
      lines.push([i === 0 ? `${r.name}${status}` : '', v.trim(), '', '', '', '', '']),
    );
  }
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)));
  const numeric = new Set([2, 4, 5]);
  const render = (cells) =>
    cells
      .map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  console.log(render(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(render(l));
  console.log('ratio = median / reference (below 1: faster than the reference or within the budget).');
}

const benches = discover();
if (benches.length === 0) {
  console.error(`no benchmark matches ${only.join(', ')} in bench/`);
  process.exit(1);
}
const startedAt = new Date();
const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' });
const results = [];
for (const bench of benches) {
  console.log(`\n=== ${bench.name}: ${path.basename(bench.cmd[0])} ${bench.cmd.slice(1).join(' ')}`);
  let run;
  try {
    if (bench.file.endsWith('.ts')) await bundleBench(bench);
    run = await runBench(bench);
  } catch (error) {
    run = { exitCode: 1, error: `could not bundle: ${error.message}`, seconds: 0, stdout: '', stderr: '' };
  }
  if (run.error) console.error(`${bench.name}: ${run.error}`);
  console.log(`=== ${bench.name}: exit ${run.exitCode} after ${run.seconds.toFixed(1)} s`);
  results.push({ ...bench, ...run, ...summarize(bench, run) });
}

console.log(
  `\n=== summary (${startedAt.toISOString()}, commit ${git.stdout.trim() || '?'}, node ${process.version}, ${os.cpus().length} cpus, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')})`,
);
printTable(results);
const failed = results.filter((r) => r.exitCode !== 0);
for (const r of failed) {
  const tail = (r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n  ');
  console.log(`\n${r.name} failed (exit ${r.exitCode}${r.error ? `: ${r.error}` : ''}):\n  ${tail}`);
}

const resultsDir = path.join(benchDir, 'results');
fs.mkdirSync(resultsDir, { recursive: true });
const resultsFile = path.join(resultsDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(
  resultsFile,
  JSON.stringify(
    {
      startedAt: startedAt.toISOString(),
      commit: git.stdout.trim() || null,
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      cpus: os.cpus().length,
      loadavgAtEnd: os.loadavg(),
      benches: results.map((r) => ({
        name: r.name,
        file: r.file,
        exitCode: r.exitCode,
        error: r.error,
        seconds: r.seconds,
        metrics: r.rows,
        json: r.json,
        output: r.stdout,
        stderr: r.stderr,
      })),
    },
    null,
    1,
  ) + '\n',
);
console.log(`\nresults: ${path.relative(repoRoot, resultsFile)}`);
console.log(
  `${results.length - failed.length} of ${results.length} benchmarks ran; ${failed.length} failed.`,
);
process.exit(failed.length === 0 ? 0 : 1);
