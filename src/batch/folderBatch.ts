import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { sourceStem, writeFileAtomic, type ExportReport } from '../export';
import type { ParseResult } from '../shared/protocol';

/** Files the batch parses: the formats the imaging stage opens. */
export const SUPPORTED_IMAGE = /\.(png|jpe?g|tiff?|bmp|webp|dcm|dicom|nii|nii\.gz)$/i;
export const SUMMARY_STEM = 'medimageparse-summary';

/**
 * Every supported image below `folder`, sorted. Skips hidden folders, node_modules, and the export
 * folders this extension writes (a folder named after an image beside it), so a re-run never
 * parses its own masks.
 */
export async function findImages(folder: string, signal?: AbortSignal): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    if (signal?.aborted) return;
    const entries = await fs.readdir(dir, { withFileTypes: true });
    const imageStems = new Set(
      entries.filter((e) => e.isFile() && SUPPORTED_IMAGE.test(e.name)).map((e) => sourceStem(e.name)),
    );
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!imageStems.has(entry.name)) await walk(full);
      } else if (entry.isFile() && SUPPORTED_IMAGE.test(entry.name)) {
        found.push(full);
      }
    }
  };
  await walk(folder);
  return found;
}

/** One row per image and target in the summary (one row with the error for a failed image). */
export interface SummaryRow {
  image: string;
  status: 'parsed' | 'skipped' | 'failed';
  target?: string;
  area?: number;
  areaMm2?: number;
  instances?: number;
  pValue?: number | null;
  validity?: string;
  error?: string;
  exportFolder?: string;
}

export interface BatchProgress {
  total: number;
  done: number;
  parsed: number;
  skipped: number;
  failed: number;
  current?: string;
}

export interface BatchDeps {
  /** Parses one image (open, model input, endpoint, analysis). */
  parse(file: string, signal: AbortSignal): Promise<ParseResult>;
  /** Writes its exports; returns the export folder. */
  exportResult(file: string, result: ParseResult): Promise<string>;
  /** The export folder an image's results go to (for the resume check). */
  exportFolder(file: string): string;
  /** True for errors that mean "slow down" (HTTP 429 after the client's own retries). */
  isRateLimited?(error: unknown): boolean;
}

export interface BatchOptions {
  prompts: string[];
  concurrency: number;
  signal?: AbortSignal;
  onProgress?(progress: BatchProgress): void;
}

export interface BatchOutcome extends BatchProgress {
  cancelled: boolean;
  rows: SummaryRow[];
  summaryFiles: string[];
}

/**
 * The report of a previous run's complete export for this image with the same prompts, if any: a report
 * whose listed files all exist. The report is renamed into place last, so its presence means
 * the rest was written.
 */
export async function completeExport(
  exportFolder: string,
  prompts: readonly string[],
): Promise<ExportReport | undefined> {
  let names: string[];
  try {
    names = (await fs.readdir(exportFolder)).filter((n) => /^report(_slice\d+)?(_frame\d+)?\.json$/.test(n));
  } catch {
    return undefined;
  }
  for (const name of names) {
    try {
      const report = JSON.parse(await fs.readFile(path.join(exportFolder, name), 'utf8')) as ExportReport;
      if (JSON.stringify(report.prompts) !== JSON.stringify(prompts) || !Array.isArray(report.files))
        continue;
      const present = await Promise.all(
        report.files.map((f) =>
          fs.stat(path.join(exportFolder, path.basename(f))).then(
            () => true,
            () => false,
          ),
        ),
      );
      if (present.every(Boolean)) return report;
    } catch {
      // A damaged report means the image is parsed again.
    }
  }
  return undefined;
}

function rowsFor(file: string, result: ParseResult, exportFolder: string): SummaryRow[] {
  return result.targets.map((t) => ({
    image: file,
    status: 'parsed',
    target: t.target,
    area: t.area,
    areaMm2: t.areaMm2,
    instances: t.components.length,
    pValue: t.pValue,
    validity: t.status,
    exportFolder,
  }));
}

/**
 * Parses every image of a folder with bounded concurrency, exporting each as it finishes, and
 * keeps only summary rows in memory (never masks), so memory stays flat over thousands of
 * images. Images with a complete export for the same prompts are skipped: an interrupted batch
 * resumes where it stopped. On a rate-limit error the pool shrinks to one worker.
 */
export async function runFolderBatch(
  folder: string,
  deps: BatchDeps,
  options: BatchOptions,
): Promise<BatchOutcome> {
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  options.signal?.addEventListener('abort', onAbort);
  const files = await findImages(folder, abort.signal);
  const progress: BatchProgress = { total: files.length, done: 0, parsed: 0, skipped: 0, failed: 0 };
  const rows: SummaryRow[] = [];
  let allowed = Math.max(1, Math.floor(options.concurrency));
  let active = 0;
  let next = 0;

  const worker = async (): Promise<void> => {
    while (!abort.signal.aborted && next < files.length) {
      if (active >= allowed) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const file = files[next++];
      active++;
      progress.current = path.relative(folder, file);
      options.onProgress?.({ ...progress });
      try {
        const exportFolder = deps.exportFolder(file);
        const previous = await completeExport(exportFolder, options.prompts);
        if (previous) {
          progress.skipped++;
          rows.push(
            ...previous.targets.map((t): SummaryRow => ({
              image: file,
              status: 'skipped',
              target: t.name,
              area: t.area,
              areaMm2: t.areaMm2,
              instances: t.instances,
              pValue: t.pValue,
              validity: t.validity,
              exportFolder,
            })),
          );
        } else {
          const result = await deps.parse(file, abort.signal);
          const folderWritten = await deps.exportResult(file, result);
          rows.push(...rowsFor(file, result, folderWritten));
          progress.parsed++;
        }
      } catch (error) {
        if (abort.signal.aborted) {
          next = files.length;
        } else {
          if (deps.isRateLimited?.(error)) allowed = 1;
          progress.failed++;
          rows.push({
            image: file,
            status: 'failed',
            error: error instanceof Error ? error.message : String(error),
          });
        }
      } finally {
        active--;
        if (!abort.signal.aborted) progress.done++;
        options.onProgress?.({ ...progress });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.floor(options.concurrency)) }, worker));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  const summaryFiles = await writeSummary(folder, rows, options.prompts);
  return { ...progress, current: undefined, cancelled: abort.signal.aborted, rows, summaryFiles };
}

function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The batch summary as CSV and JSON in the folder, written atomically. */
export async function writeSummary(
  folder: string,
  rows: SummaryRow[],
  prompts: readonly string[],
): Promise<string[]> {
  const columns: (keyof SummaryRow)[] = [
    'image',
    'status',
    'target',
    'area',
    'areaMm2',
    'instances',
    'pValue',
    'validity',
    'error',
    'exportFolder',
  ];
  const sorted = [...rows].sort(
    (a, b) => a.image.localeCompare(b.image) || (a.target ?? '').localeCompare(b.target ?? ''),
  );
  const relative = (r: SummaryRow) => ({
    ...r,
    image: path.relative(folder, r.image),
    exportFolder: r.exportFolder && path.relative(folder, r.exportFolder),
  });
  const csv =
    [columns.join(','), ...sorted.map((r) => columns.map((c) => csvField(relative(r)[c])).join(','))].join(
      '\n',
    ) + '\n';
  const json =
    JSON.stringify(
      { schemaVersion: 1, folder, prompts, createdAt: new Date().toISOString(), rows: sorted.map(relative) },
      null,
      1,
    ) + '\n';
  const csvFile = path.join(folder, `${SUMMARY_STEM}.csv`);
  const jsonFile = path.join(folder, `${SUMMARY_STEM}.json`);
  await writeFileAtomic(csvFile, Buffer.from(csv, 'utf8'));
  await writeFileAtomic(jsonFile, Buffer.from(json, 'utf8'));
  return [csvFile, jsonFile];
}
