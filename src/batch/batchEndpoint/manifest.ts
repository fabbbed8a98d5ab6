import { promises as fs } from 'node:fs';
import type { IntensitySpec, ModelInputGeometry } from '../../imaging';
import type { SkipReason } from '../folderBatch';

/**
 * manifest.json of a batch-endpoint run: what `batch-prepare` put in each input CSV row, so that
 * `batch-import` can match every prediction row to its image, check it, and map its masks back
 * onto the source pixels. Written once, at the end of a preparation (so a manifest is always
 * whole); read back with every field checked.
 */

export const MANIFEST_NAME = 'manifest.json';
export const MANIFEST_KIND = 'medimageparse-batch-manifest';
export const MANIFEST_SCHEMA_VERSION = 1;

/** One CSV row: which input file, its position there (the leading index column), what it asks. */
export interface ManifestRow {
  /** The input file's name, e.g. `batch_input_001.csv` (as Azure ML writes it after the features). */
  file: string;
  /** 0-based position in that file: the index column we write, and column 0 of predictions.csv. */
  row: number;
  /** The descriptions joined with ' & ' in the row's `text`; one mask comes back per entry. */
  prompts: string[];
}

/** An image of the folder: prepared (with its rows), or skipped or failed before any row. */
export interface ManifestImage {
  /** Path relative to the manifest's `folder`, with '/' separators. */
  source: string;
  status: 'prepared' | 'skipped' | 'failed';
  /** Why it is not prepared: the reason code Parse Folder's summary uses, and a sentence. */
  reason?: SkipReason;
  error?: string;
  /** For prepared images, all below. */
  kind?: 'parse' | 'recognition';
  /** Every target asked for, in order (for recognition, the key's whole list). */
  prompts?: string[];
  modality?: string;
  site?: string;
  modalityKey?: string;
  /** The intensity the model input was made with; the import makes it again the same way. */
  intensity?: IntensitySpec;
  /** The slice or frame of a volume or multi-frame file that was prepared. */
  slice?: number;
  frame?: number;
  /** Where the source sits in the 1024² model input: everything needed to map masks back. */
  geometry?: ModelInputGeometry;
  pixelSpacing?: [number, number];
  modelInput?: {
    /** sha256 of the PNG bytes sent (base64-decode the CSV cell to check it). */
    sha256: string;
    /** sha256 of its 1024×1024×3 RGB pixels: what the import checks, whatever PNG encoder made it. */
    pixelsSha256: string;
    bytes: number;
  };
  rows?: ManifestRow[];
}

export interface ManifestInputFile {
  name: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface BatchManifest {
  kind: typeof MANIFEST_KIND;
  schemaVersion: typeof MANIFEST_SCHEMA_VERSION;
  createdAt: string;
  /** The tool and version that prepared it. */
  tool: string;
  /** The folder that was prepared (absolute); image sources are relative to it. */
  folder: string;
  targets: 'prompts' | 'recognition';
  /** The folder's prompts (prompts mode); each image lists its own as well. */
  prompts: string[];
  /** One modality key for every image, when one was given. */
  modalityKey?: string;
  /** Bounds each input file was kept within (see the README's batch section). */
  limits: { rowsPerFile: number; maxFileBytes: number; maxMasksPerFile: number };
  inputFiles: ManifestInputFile[];
  images: ManifestImage[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === 'string');
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** Reads and checks a manifest; every problem is an error naming the file and the field. */
export async function readManifest(file: string): Promise<BatchManifest> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      `${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(error)})`}`,
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not JSON (${error instanceof Error ? error.message : String(error)})`, {
      cause: error,
    });
  }
  const fail = (what: string): never => {
    throw new Error(`${file}: not a batch manifest of this tool: ${what}`);
  };
  if (!isObject(json) || json.kind !== MANIFEST_KIND) fail(`"kind" is not "${MANIFEST_KIND}"`);
  const m = json as Record<string, unknown>;
  if (m.schemaVersion !== MANIFEST_SCHEMA_VERSION)
    fail(`schemaVersion ${JSON.stringify(m.schemaVersion)} (this version reads ${MANIFEST_SCHEMA_VERSION})`);
  if (typeof m.folder !== 'string' || !m.folder) fail('"folder" is missing');
  if (m.targets !== 'prompts' && m.targets !== 'recognition')
    fail('"targets" is neither prompts nor recognition');
  if (!isStringArray(m.prompts)) fail('"prompts" is not a list of strings');
  if (!Array.isArray(m.inputFiles)) fail('"inputFiles" is not a list');
  const names = new Set<string>();
  (m.inputFiles as unknown[]).forEach((f, i) => {
    if (!isObject(f) || typeof f.name !== 'string' || !isCount(f.rows))
      fail(`inputFiles[${i}] needs a name and a row count`);
    names.add((f as { name: string }).name);
  });
  if (!Array.isArray(m.images)) fail('"images" is not a list');
  const seen = new Set<string>();
  (m.images as unknown[]).forEach((img, i) => {
    const where = `images[${i}]`;
    if (!isObject(img) || typeof img.source !== 'string') fail(`${where} has no source`);
    const image = img as Record<string, unknown>;
    if (image.status !== 'prepared' && image.status !== 'skipped' && image.status !== 'failed')
      fail(`${where}.status is ${JSON.stringify(image.status)}`);
    if (image.status !== 'prepared') return;
    if (image.kind !== 'parse' && image.kind !== 'recognition')
      fail(`${where}.kind is ${JSON.stringify(image.kind)}`);
    if (!isStringArray(image.prompts) || image.prompts.length === 0)
      fail(`${where}.prompts is not a list of strings`);
    if (image.kind === 'recognition' && typeof image.modalityKey !== 'string')
      fail(`${where} is a recognition without a modalityKey`);
    const g = image.geometry;
    if (
      !isObject(g) ||
      !['sourceWidth', 'sourceHeight', 'padTop', 'padLeft', 'paddedWidth', 'paddedHeight', 'size'].every(
        (k) => isCount(g[k]),
      ) ||
      g.size !== 1024
    )
      fail(`${where}.geometry is incomplete`);
    const input = image.modelInput;
    if (!isObject(input) || typeof input.sha256 !== 'string' || typeof input.pixelsSha256 !== 'string')
      fail(`${where}.modelInput has no hashes`);
    if (!Array.isArray(image.rows) || image.rows.length === 0) fail(`${where} has no rows`);
    for (const [k, r] of (image.rows as unknown[]).entries()) {
      if (!isObject(r) || typeof r.file !== 'string' || !isCount(r.row) || !isStringArray(r.prompts))
        fail(`${where}.rows[${k}] needs file, row and prompts`);
      const row = r as unknown as ManifestRow;
      if (!names.has(row.file)) fail(`${where}.rows[${k}] names ${row.file}, which inputFiles does not list`);
      const key = `${row.file}#${row.row}`;
      if (seen.has(key)) fail(`${row.file} row ${row.row} is listed twice`);
      seen.add(key);
    }
  });
  return json as unknown as BatchManifest;
}
