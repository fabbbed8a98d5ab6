import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import { recognitionTargets } from '../analysis/recognition';
import {
  cleanStaleTemps,
  defaultExportDir,
  isResultFolderName,
  numberedFolder,
  sourceStem,
  writeFileAtomic,
  type ExportReport,
} from '../export';
import type { SourceImage } from '../imaging';
import type { ParseResult } from '../shared/protocol';
import { suggestionFor } from '../shared/suggestion';
import { modalityForKey, modalityKeyFor, type ModalityKey } from '../shared/targets';

/** Files the batch parses: the formats the imaging stage opens. */
export const SUPPORTED_IMAGE = /\.(png|jpe?g|tiff?|bmp|webp|dcm|dicom|nii|nii\.gz)$/i;
export const SUMMARY_STEM = 'medimageparse-summary';

/**
 * Every supported image below `folder`, sorted. Skips hidden entries, node_modules, `skip`
 * folders, and the result folders exports write (`<image>.medimageparse[-n]`, and the
 * `<image stem>` folders of earlier versions), so a re-run never parses its own masks.
 */
export async function findImages(
  folder: string,
  signal?: AbortSignal,
  skip: readonly string[] = [],
): Promise<string[]> {
  const found: string[] = [];
  const skipped = new Set(skip.map((s) => path.resolve(s)));
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
        if (!imageStems.has(entry.name) && !isResultFolderName(entry.name) && !skipped.has(full))
          await walk(full);
      } else if (entry.isFile() && SUPPORTED_IMAGE.test(entry.name)) {
        found.push(full);
      }
    }
  };
  await walk(path.resolve(folder));
  return found;
}

/** Why an image was not parsed (the summary's `reason` column). */
export type SkipReason = 'already-done' | 'no-modality' | 'no-recognition-list' | 'burned-in';

/** One row per image and target in the summary (one row for a failed or skipped image). */
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
  /** For skipped rows: why. */
  reason?: SkipReason;
  /** The modality key the image was judged with (its own, or the folder's). */
  modalityKey?: string;
}

export interface BatchProgress {
  total: number;
  done: number;
  parsed: number;
  /** Every image not parsed on purpose, whatever the reason (see `skippedBy`). */
  skipped: number;
  failed: number;
  skippedBy: Partial<Record<SkipReason, number>>;
  current?: string;
}

/** What to find in every image. */
export type FolderTargets =
  | { kind: 'prompts'; prompts: string[] }
  /** Everything each image's own modality key lists (recognition). */
  | { kind: 'recognition' };

/** What one image is parsed as. */
export interface ImagePlan {
  kind: 'parse' | 'recognition';
  prompts: string[];
  modality: string;
  site?: string;
  modalityKey?: ModalityKey;
}

export interface BatchDeps {
  /** Opens one image (its pixels and what its tags and name say about it). */
  open(file: string, signal: AbortSignal): Promise<SourceImage>;
  /** Parses or recognizes one opened image as planned (model input, endpoint, analysis). */
  run(image: SourceImage, plan: ImagePlan, signal: AbortSignal): Promise<ParseResult>;
  /** Writes the result as a new result folder inside `parentDir`; returns that folder. */
  exportResult(image: SourceImage, result: ParseResult, parentDir: string): Promise<string>;
  /** True for errors that mean "slow down" (HTTP 429 after the client's own retries). */
  isRateLimited?(error: unknown): boolean;
}

export interface BatchOptions {
  targets: FolderTargets;
  /** One modality key for every image, instead of each image's own hints. */
  modalityKey?: ModalityKey;
  concurrency: number;
  /** Results and the summary go below this folder (mirroring the sub-folders); default: beside each image. */
  outDir?: string;
  /** Send images marked BurnedInAnnotation = YES (otherwise they are skipped). */
  allowBurnedIn?: boolean;
  signal?: AbortSignal;
  onProgress?(progress: BatchProgress): void;
}

export interface BatchOutcome extends BatchProgress {
  cancelled: boolean;
  rows: SummaryRow[];
  summaryFiles: string[];
}

/** A skip instead of a plan: the reason code and a sentence for people. */
export interface PlanSkip {
  skip: SkipReason;
  detail: string;
}

/**
 * What one image is parsed as: the folder's modality key when one is set, else the modality and
 * site its own DICOM tags or file name give. Images that fit neither are skipped, never parsed
 * with another image's key.
 */
export function planImage(
  hints: { modality?: string; site?: string },
  targets: FolderTargets,
  folderKey?: ModalityKey,
): ImagePlan | PlanSkip {
  let modality: string | undefined;
  let site: string | undefined;
  let modalityKey: ModalityKey | undefined;
  if (folderKey) {
    ({ modality, site } = modalityForKey(folderKey));
    modalityKey = folderKey;
  } else {
    ({ modality, site } = suggestionFor(hints));
    if (!modality)
      return {
        skip: 'no-modality',
        detail: 'no modality in its DICOM tags or file name; set one modality for the folder',
      };
    modalityKey = site ? modalityKeyFor(modality, site) : undefined;
  }
  if (targets.kind === 'prompts')
    return { kind: 'parse', prompts: targets.prompts, modality, site, modalityKey };
  const list = modalityKey ? recognitionTargets(modalityKey) : [];
  if (!modalityKey || list.length === 0)
    return {
      skip: 'no-recognition-list',
      detail: `no recognition list for ${modality}${site ? ` · ${site}` : ''}; set one modality for the folder`,
    };
  return { kind: 'recognition', prompts: [...list], modality, site, modalityKey };
}

/**
 * The report of a complete export in `exportFolder` with the same prompts (and, when given, of
 * the same source file and modality key), if any: a report whose listed files all exist.
 */
export async function completeExport(
  exportFolder: string,
  prompts: readonly string[],
  match: { sourceName?: string; modalityKey?: string } = {},
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
      if (match.sourceName !== undefined && path.basename(report.source?.file ?? '') !== match.sourceName)
        continue;
      if ('modalityKey' in match && (report.modality?.key ?? undefined) !== match.modalityKey) continue;
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

/**
 * A previous complete result of this very source file with this plan: in its result folder or a
 * numbered sibling, or in the `<stem>` folder of earlier versions when that folder's report
 * names this file (so scan.png never takes scan.dcm's old result).
 */
export async function previousResult(
  file: string,
  parentDir: string,
  plan: ImagePlan,
): Promise<{ folder: string; report: ExportReport } | undefined> {
  const match = { sourceName: path.basename(file), modalityKey: plan.modalityKey };
  const base = defaultExportDir({ file }, parentDir);
  for (let n = 1; ; n++) {
    const folder = numberedFolder(base, n);
    if (!(await fs.stat(folder).catch(() => undefined))) break;
    const report = await completeExport(folder, plan.prompts, match);
    if (report) return { folder, report };
  }
  if (path.resolve(parentDir) === path.dirname(path.resolve(file))) {
    const legacy = path.join(parentDir, sourceStem(file));
    if (legacy !== path.resolve(file)) {
      await cleanStaleTemps(legacy);
      const report = await completeExport(legacy, plan.prompts, match);
      if (report) return { folder: legacy, report };
    }
  }
  return undefined;
}

/**
 * The summary rows of an image already done with this plan (a complete earlier result, see
 * previousResult), one per target as its report lists them; undefined when there is none. Parse
 * Folder and the batch endpoint's import resume alike through it.
 */
export async function alreadyDoneRows(
  file: string,
  parentDir: string,
  plan: ImagePlan,
): Promise<SummaryRow[] | undefined> {
  const previous = await previousResult(file, parentDir, plan);
  return previous?.report.targets.map((t): SummaryRow => ({
    image: file,
    status: 'skipped',
    reason: 'already-done',
    target: t.name,
    area: t.area,
    areaMm2: t.areaMm2,
    instances: t.instances,
    pValue: t.pValue,
    validity: t.validity,
    exportFolder: previous.folder,
    modalityKey: plan.modalityKey,
  }));
}

export function rowsFor(file: string, result: ParseResult, exportFolder: string): SummaryRow[] {
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
    modalityKey: result.modalityKey,
  }));
}

/**
 * Parses every image of a folder with bounded concurrency, exporting each as it finishes into its
 * own result folder, and keeps only summary rows in memory (never masks), so memory stays flat
 * over thousands of images. Each image is judged by its own modality (or the folder's); an image
 * with a complete result for the same plan is skipped, so an interrupted batch resumes where it
 * stopped; other results stay as they are and a new run writes beside them. On a rate-limit
 * error the pool shrinks to one worker.
 */
export async function runFolderBatch(
  folder: string,
  deps: BatchDeps,
  options: BatchOptions,
): Promise<BatchOutcome> {
  folder = path.resolve(folder);
  const outDir = options.outDir ? path.resolve(options.outDir) : undefined;
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  options.signal?.addEventListener('abort', onAbort);
  const files = await findImages(folder, abort.signal, outDir ? [outDir] : []);
  const parentOf = (file: string) =>
    outDir ? path.join(outDir, path.relative(folder, path.dirname(file))) : path.dirname(file);
  // What a killed run left behind goes first (resume never keeps a stale temporary).
  for (const parent of new Set(files.map(parentOf))) await cleanStaleTemps(parent, isResultFolderName);

  const progress: BatchProgress = {
    total: files.length,
    done: 0,
    parsed: 0,
    skipped: 0,
    failed: 0,
    skippedBy: {},
  };
  const rows: SummaryRow[] = [];
  const skip = (reason: SkipReason) => {
    progress.skipped++;
    progress.skippedBy[reason] = (progress.skippedBy[reason] ?? 0) + 1;
  };
  let allowed = Math.max(1, Math.floor(options.concurrency));
  let active = 0;
  let next = 0;

  const one = async (file: string): Promise<void> => {
    const image = await deps.open(file, abort.signal);
    const plan = planImage(
      { modality: image.modalityHint, site: image.bodyPartHint },
      options.targets,
      options.modalityKey,
    );
    if ('skip' in plan) {
      skip(plan.skip);
      rows.push({ image: file, status: 'skipped', reason: plan.skip, error: plan.detail });
      return;
    }
    if (image.burnedInAnnotation && !options.allowBurnedIn) {
      skip('burned-in');
      rows.push({
        image: file,
        status: 'skipped',
        reason: 'burned-in',
        error: 'marked BurnedInAnnotation = YES: its pixels may identify the patient',
        modalityKey: plan.modalityKey,
      });
      return;
    }
    const parentDir = parentOf(file);
    const done = await alreadyDoneRows(file, parentDir, plan);
    if (done) {
      skip('already-done');
      rows.push(...done);
      return;
    }
    const result = await deps.run(image, plan, abort.signal);
    const written = await deps.exportResult(image, result, parentDir);
    rows.push(...rowsFor(file, result, written));
    progress.parsed++;
  };

  const worker = async (): Promise<void> => {
    while (!abort.signal.aborted && next < files.length) {
      if (active >= allowed) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const file = files[next++];
      active++;
      progress.current = path.relative(folder, file);
      options.onProgress?.({ ...progress, skippedBy: { ...progress.skippedBy } });
      try {
        await one(file);
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
        options.onProgress?.({ ...progress, skippedBy: { ...progress.skippedBy } });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.floor(options.concurrency)) }, worker));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  const prompts = options.targets.kind === 'prompts' ? options.targets.prompts : [];
  const summaryFiles = await writeSummary(outDir ?? folder, rows, prompts, {
    ...progress,
    root: folder,
    targets: options.targets.kind,
    modalityKey: options.modalityKey,
  });
  return { ...progress, current: undefined, cancelled: abort.signal.aborted, rows, summaryFiles };
}

/** "6 parsed, 2 already done, 0 failed, 1 skipped (1 without a modality)" */
export function progressText(p: BatchProgress): string {
  const alreadyDone = p.skippedBy['already-done'] ?? 0;
  const labels: Record<Exclude<SkipReason, 'already-done'>, string> = {
    'no-modality': l10n.t('without a modality'),
    'no-recognition-list': l10n.t('without a recognition list'),
    'burned-in': l10n.t('with burned-in annotation'),
  };
  const others = (Object.keys(labels) as (keyof typeof labels)[])
    .filter((r) => (p.skippedBy[r] ?? 0) > 0)
    .map((r) => `${p.skippedBy[r]} ${labels[r]}`);
  const otherCount = p.skipped - alreadyDone;
  return (
    l10n.t('{0} parsed, {1} already done, {2} failed', p.parsed, alreadyDone, p.failed) +
    (otherCount > 0 ? l10n.t(', {0} skipped ({1})', otherCount, others.join(', ')) : '')
  );
}

function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The batch summary as CSV and JSON in `folder`, written atomically. Paths are relative to
 * `counts.root` (the parsed folder; default `folder`).
 */
export async function writeSummary(
  folder: string,
  rows: SummaryRow[],
  prompts: readonly string[],
  counts?: Omit<BatchProgress, 'current' | 'done'> & {
    done?: number;
    root?: string;
    targets?: FolderTargets['kind'];
    modalityKey?: string;
  },
): Promise<string[]> {
  const root = counts?.root ?? folder;
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
    'reason',
    'modalityKey',
  ];
  const sorted = [...rows].sort(
    (a, b) => a.image.localeCompare(b.image) || (a.target ?? '').localeCompare(b.target ?? ''),
  );
  const relative = (r: SummaryRow) => ({
    ...r,
    image: path.relative(root, r.image),
    exportFolder: r.exportFolder && path.relative(folder, r.exportFolder),
  });
  const csv =
    [columns.join(','), ...sorted.map((r) => columns.map((c) => csvField(relative(r)[c])).join(','))].join(
      '\n',
    ) + '\n';
  const json =
    JSON.stringify(
      {
        schemaVersion: 1,
        folder: root,
        prompts,
        ...(counts?.targets ? { targets: counts.targets } : {}),
        ...(counts?.modalityKey ? { modalityKey: counts.modalityKey } : {}),
        createdAt: new Date().toISOString(),
        ...(counts
          ? {
              counts: {
                total: counts.total,
                parsed: counts.parsed,
                skipped: counts.skipped,
                failed: counts.failed,
                skippedBy: counts.skippedBy,
              },
            }
          : {}),
        rows: sorted.map(relative),
      },
      null,
      1,
    ) + '\n';
  const csvFile = path.join(folder, `${SUMMARY_STEM}.csv`);
  const jsonFile = path.join(folder, `${SUMMARY_STEM}.json`);
  await fs.mkdir(folder, { recursive: true });
  await writeFileAtomic(csvFile, Buffer.from(csv, 'utf8'));
  await writeFileAtomic(jsonFile, Buffer.from(json, 'utf8'));
  return [csvFile, jsonFile];
}
