import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { planRecognitionPrompts } from '../../analysis/recognition';
import { holdTemp, tempPathFor } from '../../export/temps';
import { openImage, prepareModelInput, type SourceImage } from '../../imaging';
import { intensityForRun } from '../../pipeline/intensity';
import type { ModalityKey } from '../../shared/targets';
import { APP_VERSION } from '../../shared/version';
import { findImages, planImage, type FolderTargets } from '../folderBatch';
import { csvField } from './csv';
import {
  MANIFEST_KIND,
  MANIFEST_NAME,
  MANIFEST_SCHEMA_VERSION,
  type BatchManifest,
  type ManifestImage,
  type ManifestInputFile,
} from './manifest';

/**
 * Bounds on one input CSV file. Azure ML's batch deployment of an MLflow model reads a whole
 * input file and calls the model's predict once on all its rows, so one file's rows must finish
 * within the deployment's mini-batch timeout (300 s in Microsoft's notebook, with
 * mini_batch_size = 1 file) and all of its answers sit in the worker's memory at once (each mask
 * 1 MiB raw, about 1.4 MiB once base64'd in the output). 50 rows keep a file near 1-2 minutes of
 * GPU time and its input under ~150 MB; the byte and mask bounds close a file early when big
 * images or long prompt lists would take it past that.
 */
export const DEFAULT_ROWS_PER_FILE = 50;
export const MAX_ROWS_PER_FILE = 1000;
export const MAX_FILE_BYTES = 100 * 1024 * 1024;
export const MAX_MASKS_PER_FILE = 256;
/** Targets per row for recognition, as many as one online request carries (see planRecognitionPrompts). */
export const RECOGNITION_PROMPTS_PER_ROW = 16;

/** The pandas `to_csv` header of Microsoft's notebook: an unnamed index column, then image and text. */
export const INPUT_HEADER = ',image,text\n';

export interface PrepareProgress {
  total: number;
  done: number;
  prepared: number;
  skipped: number;
  failed: number;
  current?: string;
}

export interface PrepareOptions {
  targets: FolderTargets;
  modalityKey?: ModalityKey;
  /** Created here; must be absent or empty (nothing the user had is overwritten). */
  outDir: string;
  rowsPerFile?: number;
  /** Overrides of the byte and mask bounds (tests; see MAX_FILE_BYTES, MAX_MASKS_PER_FILE). */
  maxFileBytes?: number;
  maxMasksPerFile?: number;
  allowBurnedIn?: boolean;
  /** A configured CT window that overrides the one of each image's site ('auto': none). */
  ctWindow?: string;
  signal?: AbortSignal;
  onProgress?(progress: PrepareProgress): void;
  /** Opens one image (default: the imaging stage, as Parse Folder does). */
  open?(file: string, signal: AbortSignal): Promise<SourceImage>;
}

export interface PrepareOutcome extends PrepareProgress {
  cancelled: boolean;
  outDir: string;
  /** The input CSV files written, in order (absolute paths). */
  inputFiles: string[];
  manifest: string;
  rows: number;
  /** The images not prepared, and why. */
  notPrepared: { source: string; status: 'skipped' | 'failed'; error?: string }[];
}

/** `batch_input_001.csv`…: numbered from 1, zero-padded to at least three digits so names sort in order. */
export function inputFileName(index: number, count: number): string {
  const width = Math.max(3, String(count).length);
  return `batch_input_${String(index).padStart(width, '0')}.csv`;
}

/** The CSV file being written: rows, bytes and masks so far, and the hash of what was written. */
class InputFileWriter {
  rows = 0;
  bytes = 0;
  masks = 0;
  private readonly hash = crypto.createHash('sha256');
  private readonly stream: fs.WriteStream;
  private failure: Error | undefined;

  constructor(readonly file: string) {
    this.stream = fs.createWriteStream(file, { flags: 'wx' });
    this.stream.on('error', (error) => (this.failure = error));
    this.write(INPUT_HEADER);
  }

  private write(text: string): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    const data = Buffer.from(text, 'utf8');
    this.bytes += data.length;
    this.hash.update(data);
    if (this.stream.write(data)) return undefined;
    // Back-pressure: wait for the disk, so memory holds one row, not the folder.
    return new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        this.stream.off('error', reject);
        resolve();
      };
      this.stream.once('drain', onDrain);
      this.stream.once('error', reject);
    });
  }

  static lineOf(position: number, base64: string, text: string): string {
    return `${position},${base64},${csvField(text)}\n`;
  }

  async append(line: string, masks: number): Promise<number> {
    const position = this.rows;
    this.rows++;
    this.masks += masks;
    await this.write(line);
    return position;
  }

  async close(): Promise<{ bytes: number; sha256: string }> {
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
    if (this.failure) throw this.failure;
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  destroy(): void {
    this.stream.destroy();
  }
}

async function assertUsableOutDir(outDir: string): Promise<void> {
  const stat = await fs.promises.stat(outDir).catch(() => undefined);
  if (!stat) return;
  if (!stat.isDirectory()) throw new Error(`${outDir}: exists and is not a folder`);
  const entries = await fs.promises.readdir(outDir);
  if (entries.length > 0)
    throw new Error(
      `${outDir}: is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}); ` +
        'choose a new or empty folder, so no earlier batch input or manifest is overwritten',
    );
}

/**
 * Prepares every image below `folder` for an Azure ML batch endpoint: the same model input as
 * the online endpoint gets (Parse Folder's plan per image: its own modality or the folder's,
 * intensity, padding, resize), one CSV row per request row, in files of at most `rowsPerFile`
 * rows, and manifest.json. One image is in memory at a time; the rows stream to disk. Everything
 * is written in a staging folder beside `outDir` and moved into place at the end, so a cancelled
 * or failed run leaves nothing half-written.
 */
export async function prepareBatch(folder: string, options: PrepareOptions): Promise<PrepareOutcome> {
  folder = path.resolve(folder);
  const outDir = path.resolve(options.outDir);
  const rowsPerFile = options.rowsPerFile ?? DEFAULT_ROWS_PER_FILE;
  if (!Number.isInteger(rowsPerFile) || rowsPerFile < 1 || rowsPerFile > MAX_ROWS_PER_FILE)
    throw new Error(
      `rows per file must be a whole number from 1 to ${MAX_ROWS_PER_FILE}, got ${rowsPerFile}`,
    );
  const maxFileBytes = options.maxFileBytes ?? MAX_FILE_BYTES;
  const maxMasksPerFile = options.maxMasksPerFile ?? MAX_MASKS_PER_FILE;
  const stat = await fs.promises.stat(folder).catch(() => undefined);
  if (!stat?.isDirectory()) throw new Error(`${folder}: ${stat ? 'is not a folder' : 'no such folder'}`);
  await assertUsableOutDir(outDir);
  await fs.promises.mkdir(path.dirname(outDir), { recursive: true });

  const abort = new AbortController();
  const onAbort = () => abort.abort();
  options.signal?.addEventListener('abort', onAbort);
  const open = options.open ?? ((file: string, signal: AbortSignal) => openImage(file, { signal }));
  const staging = tempPathFor(outDir);
  const release = holdTemp(staging);
  await fs.promises.mkdir(staging);
  let writer: InputFileWriter | undefined;
  try {
    const files = await findImages(folder, abort.signal, [outDir, staging]);
    const progress: PrepareProgress = { total: files.length, done: 0, prepared: 0, skipped: 0, failed: 0 };
    const images: ManifestImage[] = [];
    const written: ManifestInputFile[] = [];
    // Rows point at files by number while names are not final (their width depends on the count).
    const rowFiles: { image: ManifestImage; fileNumbers: number[] }[] = [];
    let totalRows = 0;
    const staged = (n: number) => path.join(staging, `part-${n}.csv`);

    const closeWriter = async () => {
      if (!writer) return;
      const { bytes, sha256 } = await writer.close();
      written.push({ name: path.basename(writer.file), rows: writer.rows, bytes, sha256 });
      writer = undefined;
    };

    const report = () => options.onProgress?.({ ...progress });
    for (const file of files) {
      if (abort.signal.aborted) break;
      const source = path.relative(folder, file).split(path.sep).join('/');
      progress.current = source;
      report();
      let image: SourceImage;
      try {
        image = await open(file, abort.signal);
      } catch (error) {
        if (abort.signal.aborted) break;
        images.push({
          source,
          status: 'failed',
          error: error instanceof Error ? error.message : String(error),
        });
        progress.failed++;
        progress.done++;
        continue;
      }
      const plan = planImage(
        { modality: image.modalityHint, site: image.bodyPartHint },
        options.targets,
        options.modalityKey,
      );
      if ('skip' in plan) {
        images.push({ source, status: 'skipped', reason: plan.skip, error: plan.detail });
        progress.skipped++;
        progress.done++;
        continue;
      }
      if (image.burnedInAnnotation && !options.allowBurnedIn) {
        images.push({
          source,
          status: 'skipped',
          reason: 'burned-in',
          error: 'marked BurnedInAnnotation = YES: its pixels may identify the patient',
          modalityKey: plan.modalityKey,
        });
        progress.skipped++;
        progress.done++;
        continue;
      }
      const intensity = intensityForRun(image, plan.modality, plan.site, [options.ctWindow]);
      let input;
      try {
        input = await prepareModelInput(image, intensity);
      } catch (error) {
        images.push({
          source,
          status: 'failed',
          error: error instanceof Error ? error.message : String(error),
        });
        progress.failed++;
        progress.done++;
        continue;
      }
      const rowPrompts =
        plan.kind === 'recognition'
          ? planRecognitionPrompts(plan.modalityKey!, RECOGNITION_PROMPTS_PER_ROW).map((c) => c.targets)
          : [plan.prompts];
      const base64 = input.png.toString('base64');
      const entry: ManifestImage = {
        source,
        status: 'prepared',
        kind: plan.kind,
        prompts: plan.prompts,
        modality: plan.modality,
        site: plan.site,
        modalityKey: plan.modalityKey,
        intensity,
        slice: image.slice?.index,
        frame: image.frame?.index,
        geometry: input.geometry,
        pixelSpacing: image.pixelSpacing,
        modelInput: {
          sha256: crypto.createHash('sha256').update(input.png).digest('hex'),
          pixelsSha256: crypto.createHash('sha256').update(input.rgb).digest('hex'),
          bytes: input.png.length,
        },
        rows: [],
      };
      const fileNumbers: number[] = [];
      for (const prompts of rowPrompts) {
        const text = prompts.join(' & ');
        // base64 is ASCII: the line's size without building it twice.
        const lineBytes =
          String(writer?.rows ?? 0).length + base64.length + Buffer.byteLength(csvField(text)) + 3;
        if (
          writer &&
          (writer.rows >= rowsPerFile ||
            writer.bytes + lineBytes > maxFileBytes ||
            writer.masks + prompts.length > maxMasksPerFile)
        )
          await closeWriter();
        writer ??= new InputFileWriter(staged(written.length + 1));
        // The position column restarts in each file (pandas numbers each file's rows from 0).
        const position = await writer.append(
          InputFileWriter.lineOf(writer.rows, base64, text),
          prompts.length,
        );
        entry.rows!.push({ file: '', row: position, prompts });
        fileNumbers.push(written.length + 1);
        totalRows++;
      }
      images.push(entry);
      rowFiles.push({ image: entry, fileNumbers });
      progress.prepared++;
      progress.done++;
    }
    await closeWriter();
    if (abort.signal.aborted) {
      report();
      return {
        ...progress,
        current: undefined,
        cancelled: true,
        outDir,
        inputFiles: [],
        manifest: '',
        rows: totalRows,
        notPrepared: notPrepared(images),
      };
    }

    // Final names, now that the number of files is known.
    const names = written.map((_, i) => inputFileName(i + 1, written.length));
    for (const [i, name] of names.entries()) {
      await fs.promises.rename(staged(i + 1), path.join(staging, name));
      written[i].name = name;
    }
    for (const { image, fileNumbers } of rowFiles)
      image.rows!.forEach((row, k) => (row.file = names[fileNumbers[k] - 1]));
    const manifest: BatchManifest = {
      kind: MANIFEST_KIND,
      schemaVersion: MANIFEST_SCHEMA_VERSION,
      createdAt: new Date().toISOString(),
      tool: `medparse ${APP_VERSION}`,
      folder,
      targets: options.targets.kind,
      prompts: options.targets.kind === 'prompts' ? options.targets.prompts : [],
      ...(options.modalityKey ? { modalityKey: options.modalityKey } : {}),
      limits: { rowsPerFile, maxFileBytes, maxMasksPerFile },
      inputFiles: written,
      images,
    };
    await fs.promises.writeFile(path.join(staging, MANIFEST_NAME), JSON.stringify(manifest, null, 1) + '\n', {
      flag: 'wx',
    });
    await moveIntoPlace(staging, outDir);
    progress.current = undefined;
    report();
    return {
      ...progress,
      cancelled: false,
      outDir,
      inputFiles: names.map((n) => path.join(outDir, n)),
      manifest: path.join(outDir, MANIFEST_NAME),
      rows: totalRows,
      notPrepared: notPrepared(images),
    };
  } finally {
    writer?.destroy();
    options.signal?.removeEventListener('abort', onAbort);
    await fs.promises.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    release();
  }
}

/** The staging folder becomes outDir (one rename), or, when outDir exists (empty), its files move in. */
async function moveIntoPlace(staging: string, outDir: string): Promise<void> {
  try {
    await fs.promises.rename(staging, outDir);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTEMPTY' && code !== 'EPERM' && code !== 'EISDIR') throw error;
  }
  await assertUsableOutDir(outDir);
  const names = await fs.promises.readdir(staging);
  // The manifest last: a folder with a manifest is a whole preparation.
  names.sort((a, b) => Number(a === MANIFEST_NAME) - Number(b === MANIFEST_NAME));
  for (const name of names) await fs.promises.rename(path.join(staging, name), path.join(outDir, name));
}

function notPrepared(images: ManifestImage[]): PrepareOutcome['notPrepared'] {
  return images.flatMap((i) =>
    i.status === 'prepared' ? [] : [{ source: i.source, status: i.status, error: i.error }],
  );
}
