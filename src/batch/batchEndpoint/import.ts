import crypto from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { decodeRow, excerpt, type DecodedMask } from '../../endpoint/response';
import { cleanStaleTemps, isResultFolderName, writeFileAtomic } from '../../export';
import { openImage, prepareModelInput, type SourceImage } from '../../imaging';
import { exportParseResult } from '../../pipeline/exportResult';
import { parseResultFromMasks, recognitionResultFromMasks } from '../../pipeline/parse';
import type { ParseResult } from '../../shared/protocol';
import {
  alreadyDoneRows,
  rowsFor,
  writeSummary,
  type BatchProgress,
  type ImagePlan,
  type SkipReason,
  type SummaryRow,
} from '../folderBatch';
import { parseCsvRecord, readRecord, scanCsvRecords } from './csv';
import { readManifest, type ManifestImage, type ManifestRow } from './manifest';

/** What the import reports about predictions.csv itself, beside the per-image summary. */
export const IMPORT_REPORT_NAME = 'medimageparse-batch-import.json';
/** The endpoint name written into each result's report. */
export const BATCH_ENDPOINT_NAME = 'Azure ML batch endpoint';
/** Unmatched rows listed one by one in the import report (the count is always whole). */
const MAX_LISTED_ROWS = 200;

export interface ImportOptions {
  manifestFile: string;
  /** Results (one folder per image, mirroring the sub-folders) and the summary go here. */
  outDir: string;
  /**
   * The input file a predictions.csv without a file-name column answers. Azure ML writes the
   * file's name after the features only when a job read several files; a job over one file of a
   * preparation of several needs this to tell its rows apart.
   */
  inputFile?: string;
  /** Where the prepared folder is now, when it moved since batch-prepare (default: the manifest's `folder`). */
  sourceDir?: string;
  pValueThreshold?: number;
  signal?: AbortSignal;
  onProgress?(progress: BatchProgress): void;
  /** Opens one image (default: the imaging stage). */
  open?(file: string, image: ManifestImage, signal: AbortSignal): Promise<SourceImage>;
}

/** A prediction row that answers no input row of the manifest. */
export interface UnmatchedRow {
  /** 1-based record number in predictions.csv. */
  line: number;
  problem: string;
}

export interface ImportOutcome extends BatchProgress {
  cancelled: boolean;
  rows: SummaryRow[];
  summaryFiles: string[];
  importReport: string;
  predictions: {
    /** Records read from predictions.csv (blank lines and a header not counted). */
    read: number;
    matched: number;
    /** Records for an input row already answered (Azure ML retries can write one twice). */
    duplicates: number;
    unmatched: number;
  };
  unmatched: UnmatchedRow[];
}

/** Where a record lies in predictions.csv (read again when its image is imported). */
interface Located {
  line: number;
  start: number;
  end: number;
  /** A problem seen while scanning (too few columns, cut short); the record is not decoded then. */
  problem?: string;
}

const rowKey = (file: string, row: number) => `${file}#${row}`;

/**
 * Reads predictions.csv as Azure ML's batch scoring of the MLflow model writes it (no header;
 * column 0 the input row's position in its file, then image_features, text_features and, when the
 * job read several files, the file's name), matches every record to the manifest's rows in any
 * order, and writes for each image what Parse Folder writes: its result folder at source
 * resolution (masks, label map, report, SEG/NIfTI where the source allows) and the summary CSV
 * and JSON. Two passes keep memory flat: the first notes where each record lies, the second
 * reads back only the records of the image at hand. A missing or bad record fails its image
 * alone, with the reason in the summary; records that answer nothing are counted and listed.
 */
export async function importBatch(predictionsFile: string, options: ImportOptions): Promise<ImportOutcome> {
  predictionsFile = path.resolve(predictionsFile);
  const outDir = path.resolve(options.outDir);
  const manifest = await readManifest(path.resolve(options.manifestFile));
  const stat = await fs.stat(predictionsFile).catch(() => undefined);
  if (!stat?.isFile()) throw new Error(`${predictionsFile}: ${stat ? 'is not a file' : 'no such file'}`);
  const outStat = await fs.stat(outDir).catch(() => undefined);
  if (outStat && !outStat.isDirectory()) throw new Error(`${outDir}: exists and is not a folder`);
  const fileNames = new Set(manifest.inputFiles.map((f) => f.name));
  if (options.inputFile !== undefined && !fileNames.has(path.basename(options.inputFile)))
    throw new Error(
      `--input-file ${options.inputFile}: the manifest lists no such input file (it lists ${[...fileNames].join(', ') || 'none'})`,
    );
  const defaultFile =
    options.inputFile !== undefined
      ? path.basename(options.inputFile)
      : fileNames.size === 1
        ? [...fileNames][0]
        : undefined;

  const abort = new AbortController();
  const onAbort = () => abort.abort();
  options.signal?.addEventListener('abort', onAbort);
  try {
    const wanted = new Map<string, Located[]>();
    for (const image of manifest.images)
      for (const row of image.rows ?? []) wanted.set(rowKey(row.file, row.row), []);
    const scan = await locateRecords(predictionsFile, wanted, defaultFile, fileNames.size, abort.signal);

    const prepared = manifest.images.filter((i) => i.status === 'prepared');
    const progress: BatchProgress = {
      total: manifest.images.length,
      done: 0,
      parsed: 0,
      skipped: 0,
      failed: 0,
      skippedBy: {},
    };
    const skip = (reason: SkipReason) => {
      progress.skipped++;
      progress.skippedBy[reason] = (progress.skippedBy[reason] ?? 0) + 1;
    };
    const rows: SummaryRow[] = [];
    const root = options.sourceDir ? path.resolve(options.sourceDir) : manifest.folder;
    const sourceOf = (image: ManifestImage) => path.join(root, ...image.source.split('/'));
    const parentOf = (image: ManifestImage) =>
      path.join(outDir, path.dirname(image.source.split('/').join(path.sep)));
    for (const parent of new Set(prepared.map(parentOf))) await cleanStaleTemps(parent, isResultFolderName);

    for (const image of manifest.images) {
      if (abort.signal.aborted) break;
      const file = sourceOf(image);
      progress.current = image.source;
      options.onProgress?.({ ...progress, skippedBy: { ...progress.skippedBy } });
      if (image.status !== 'prepared') {
        // Skipped or failed at preparation: carried into the summary as Parse Folder reports them.
        if (image.status === 'skipped') skip(image.reason ?? 'no-modality');
        else progress.failed++;
        rows.push({
          image: file,
          status: image.status,
          reason: image.reason,
          error: image.error,
          modalityKey: image.modalityKey,
        });
        progress.done++;
        continue;
      }
      const plan = planOf(image);
      const parentDir = parentOf(image);
      try {
        const done = await alreadyDoneRows(file, parentDir, plan);
        if (done) {
          skip('already-done');
          rows.push(...done);
        } else {
          const masks = await masksOf(image, predictionsFile, wanted);
          const result = await resultOf(image, file, plan, masks, options, abort.signal);
          const written = await exportParseResult(result.image, result.result, {
            parentDir,
            pValueThreshold: options.pValueThreshold,
          });
          rows.push(...rowsFor(file, result.result, written.dir));
          progress.parsed++;
        }
      } catch (error) {
        if (abort.signal.aborted) break;
        progress.failed++;
        rows.push({
          image: file,
          status: 'failed',
          error: error instanceof Error ? error.message : String(error),
          modalityKey: image.modalityKey,
        });
      }
      progress.done++;
    }
    progress.current = undefined;
    options.onProgress?.({ ...progress, skippedBy: { ...progress.skippedBy } });

    const summaryFiles = await writeSummary(outDir, rows, manifest.prompts, {
      ...progress,
      root,
      targets: manifest.targets,
      modalityKey: manifest.modalityKey,
    });
    const importReport = path.join(outDir, IMPORT_REPORT_NAME);
    const predictions = {
      read: scan.read,
      matched: scan.matched,
      duplicates: scan.duplicates,
      unmatched: scan.unmatched.length,
    };
    await writeFileAtomic(
      importReport,
      Buffer.from(
        JSON.stringify(
          {
            schemaVersion: 1,
            predictions: predictionsFile,
            manifest: path.resolve(options.manifestFile),
            createdAt: new Date().toISOString(),
            counts: predictions,
            unmatchedRows: scan.unmatched.slice(0, MAX_LISTED_ROWS),
          },
          null,
          1,
        ) + '\n',
      ),
    );
    return {
      ...progress,
      cancelled: abort.signal.aborted,
      rows,
      summaryFiles,
      importReport,
      predictions,
      unmatched: scan.unmatched,
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

function planOf(image: ManifestImage): ImagePlan {
  return {
    kind: image.kind!,
    prompts: image.prompts!,
    modality: image.modality ?? '',
    site: image.site,
    modalityKey: image.modalityKey as ImagePlan['modalityKey'],
  };
}

/**
 * First pass: where each record of predictions.csv lies, keyed by the input row it answers.
 * Records that answer no row of the manifest are collected with the reason.
 */
async function locateRecords(
  file: string,
  wanted: Map<string, Located[]>,
  defaultFile: string | undefined,
  fileCount: number,
  signal: AbortSignal,
): Promise<{ read: number; matched: number; duplicates: number; unmatched: UnmatchedRow[] }> {
  let read = 0;
  let matched = 0;
  let duplicates = 0;
  const unmatched: UnmatchedRow[] = [];
  for await (const record of scanCsvRecords(file, { signal })) {
    const { fields } = record;
    if (fields.length === 1 && fields[0] === '') continue; // a blank line
    if (
      record.number === 1 &&
      fields.length === 3 &&
      fields[0] === '' &&
      fields[1] === 'image' &&
      fields[2] === 'text'
    )
      throw new Error(
        `${file}: is a batch input file (its header is ",image,text"), not the predictions the job wrote (named-outputs/score/predictions.csv)`,
      );
    const position = fields[0]?.trim();
    if (
      record.number === 1 &&
      position !== undefined &&
      !/^\d+$/.test(position) &&
      fields.some((f) => f === 'image_features')
    )
      continue; // a header row, should a tool have added one
    read++;
    if (position === undefined || !/^\d+$/.test(position)) {
      unmatched.push({
        line: record.number,
        problem: `column 0 is ${position === undefined ? 'too long' : JSON.stringify(position.slice(0, 40))}, not an input row position`,
      });
      continue;
    }
    let inputFile = defaultFile;
    if (fields.length >= 4) {
      const named = fields[3]?.trim();
      if (!named) {
        unmatched.push({
          line: record.number,
          problem: 'the file-name column (after the features) is empty or unreadable',
        });
        continue;
      }
      inputFile = path.basename(named.replace(/\\/g, '/'));
    }
    if (inputFile === undefined) {
      unmatched.push({
        line: record.number,
        problem: `no file-name column, and the manifest lists ${fileCount} input files: name the one this job read with --input-file`,
      });
      continue;
    }
    const key = rowKey(inputFile, Number(position));
    const places = wanted.get(key);
    if (!places) {
      unmatched.push({ line: record.number, problem: `${inputFile} row ${position} is not in the manifest` });
      continue;
    }
    const problem = record.unterminated
      ? 'the record is cut short (predictions.csv ends inside a quoted field)'
      : fields.length < 3
        ? `the record has ${fields.length} column(s); expected the position, image_features and text_features`
        : undefined;
    if (places.length > 0) duplicates++;
    else matched++;
    places.push({ line: record.number, start: record.start, end: record.end, problem });
  }
  return { read, matched, duplicates, unmatched };
}

const quote = (text: string) => excerpt(text, (t) => t, 200);

/**
 * Second pass, for one image: each of its rows' masks, decoded and checked against the row's
 * prompts (count, shape 1024², dtype). A row answered twice takes the first record that decodes.
 */
async function masksOf(
  image: ManifestImage,
  predictionsFile: string,
  wanted: Map<string, Located[]>,
): Promise<{ row: ManifestRow; masks: DecodedMask[] }[]> {
  const out: { row: ManifestRow; masks: DecodedMask[] }[] = [];
  const size = image.geometry!.size;
  for (const row of image.rows!) {
    const places = wanted.get(rowKey(row.file, row.row)) ?? [];
    if (places.length === 0)
      throw new Error(
        `no prediction for ${row.file} row ${row.row} in predictions.csv (the batch job did not score it; see the job's logs, and run the job again for the missing rows)`,
      );
    let lastError: Error | undefined;
    let decoded: DecodedMask[] | undefined;
    for (const place of places) {
      const where = `predictions.csv line ${place.line} (${row.file} row ${row.row})`;
      try {
        if (place.problem) throw new Error(`${where}: ${place.problem}`);
        const fields = parseCsvRecord(await readRecord(predictionsFile, place.start, place.end));
        decoded = decodeRow(
          { image_features: fields[1], text_features: fields[2] },
          row.prompts,
          where,
          quote,
          { width: size, height: size },
        );
        break;
      } catch (error) {
        lastError = error instanceof Error ? error : new Error(String(error));
      }
    }
    if (!decoded) throw lastError!;
    out.push({ row, masks: decoded });
  }
  return out;
}

/** The source opened again, its model input made again and checked against the one sent, and the masks analysed. */
async function resultOf(
  image: ManifestImage,
  file: string,
  plan: ImagePlan,
  rows: { row: ManifestRow; masks: DecodedMask[] }[],
  options: ImportOptions,
  signal: AbortSignal,
): Promise<{ image: SourceImage; result: ParseResult }> {
  const source = options.open
    ? await options.open(file, image, signal)
    : await openImage(file, { slice: image.slice, frame: image.frame, signal });
  const g = image.geometry!;
  if (source.width !== g.sourceWidth || source.height !== g.sourceHeight)
    throw new Error(
      `${file}: is ${source.width}×${source.height} now, ${g.sourceWidth}×${g.sourceHeight} when it was prepared; its predictions no longer fit it`,
    );
  const input = await prepareModelInput(source, image.intensity);
  const pixels = crypto.createHash('sha256').update(input.rgb).digest('hex');
  if (pixels !== image.modelInput!.pixelsSha256)
    throw new Error(
      `${file}: changed since batch-prepare (its model input is not the one sent), so its predictions are not imported`,
    );
  const common = { endpointName: BATCH_ENDPOINT_NAME, pValueThreshold: options.pValueThreshold };
  if (plan.kind === 'recognition') {
    const maps = new Map<string, Uint8Array>();
    const labels = new Map<string, string>();
    for (const { masks } of rows)
      for (const m of masks) {
        maps.set(m.prompt, m.data);
        labels.set(m.prompt, m.label);
      }
    return {
      image: source,
      result: recognitionResultFromMasks(
        source,
        input,
        { ...common, modalityKey: plan.modalityKey! },
        maps,
        labels,
        'endpoint',
      ),
    };
  }
  const masks = rows.flatMap((r) => r.masks);
  return {
    image: source,
    result: parseResultFromMasks(
      source,
      input,
      {
        ...common,
        prompts: plan.prompts,
        modality: plan.modality || undefined,
        site: plan.site,
        modalityKey: plan.modalityKey,
      },
      masks,
      'endpoint',
    ),
  };
}
