import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isResultFolderName, sourceStem } from '../export';
import { VOLUME_REPORT_SCHEMA } from '../export/volumeExport';
import { mayBeDicom, readSeg } from './segTruth';

/**
 * Finding masks on disk for an evaluation: ground truth and predictions are both "images, each
 * with masks of named targets". The layouts understood:
 *
 * - Result folders of this extension (`<image file>.medimageparse[-n]`): a 2D `report.json` with
 *   its mask PNGs, or a volume `report.json` with `labels.nii.gz`. Numbered siblings of one image
 *   are merged, the newest run winning per target. A target that was prompted and found nowhere
 *   is an empty prediction, not a missing one.
 * - PNG masks `<image stem>_<target>.png` (BiomedParse's convention, `+` for spaces in the
 *   target): the target is everything after the last `_`.
 * - NIfTI label volumes `<image stem>.nii[.gz]` (or `<image stem>_labels`, `_label`, `_seg`,
 *   `_gt`) with a label map in a JSON sidecar of the same stem: `{"labels": {"1": "liver", …}}`,
 *   `{"labels": ["liver", …]}` (label i + 1), or our volume `report.json` form `{"targets":
 *   [{"name", "label"}]}`. Every target of the map is defined (absent = empty), others unknown.
 * - NIfTI masks `<image stem>_<target>.nii[.gz]` without a sidecar: any non-zero voxel is inside.
 * - DICOM SEG files: one target per segment (its label), paired with the result of the series it
 *   references (volume results of a DICOM series) or of the one image it references.
 *
 * Nothing is read beyond the folder listing and the small JSON files here; masks are read when
 * evaluated.
 */

/** Where one target's mask comes from. */
export interface MaskRef {
  file: string;
  format: 'png' | 'nifti' | 'seg';
  /** The target's value in a label volume, or its segment number in a DICOM SEG; undefined: any value counted as inside (see `threshold`). */
  label?: number;
  /** Values above it are inside; undefined: > 0 for 0/1 masks, else ≥ 128 (see loadMask). */
  threshold?: number;
}

export interface MaskedImage {
  /** The image's stem, which pairs prediction and truth (`scan` for `scan.png`). */
  key: string;
  /** Other stems it answers to (a label volume `scan_labels.nii.gz` answers to `scan` too). */
  aliases: string[];
  /** What the user knows it by: the source file name, else the stem. */
  image: string;
  /** Modality key or DICOM modality from the result's report, when known. */
  modality?: string;
  /** mm per grid axis in grid order ([column, row] for 2D) from the result's report, when known. */
  spacing?: number[];
  /** Grid size from the report ([width, height] or [x, y, slices]), when known. */
  dims?: number[];
  /** The source image (for thumbnails), when the report names one. */
  sourceFile?: string;
  /** Voxel → RAS world of a volume result (places DICOM SEG frames on its grid). */
  affine?: number[][];
  /** SOP Instance UID of a single DICOM image's result (matches a SEG's referenced image). */
  sopInstanceUid?: string;
  /** Where the masks were found (the result folder, or the folder of loose masks). */
  location: string;
  /** Target name → mask; `null` = prompted and nothing found (an empty mask). */
  targets: Map<string, { name: string; mask: MaskRef | null }>;
  /** Warnings about this image's files (a label map that did not parse …). */
  warnings: string[];
}

/** Folds target names so `left+kidney`, `left_kidney` and `Left kidney` are one target. */
export function targetKey(name: string): string {
  return name
    .toLowerCase()
    .replace(/[+_\s]+/g, ' ')
    .trim();
}

/** The target of a `<stem>_<target>` name: after the last '_', with '+' for spaces. */
export function splitMaskName(stem: string): { image: string; target: string } | undefined {
  const cut = stem.lastIndexOf('_');
  if (cut <= 0 || cut === stem.length - 1) return undefined;
  return { image: stem.slice(0, cut), target: stem.slice(cut + 1).replace(/\+/g, ' ') };
}

const NIFTI = /\.nii(\.gz)?$/i;
const LABEL_SUFFIX = /_(labels?|seg|gt)$/i;

export interface Discovery {
  images: MaskedImage[];
  /** Problems with individual files, each naming the file. */
  warnings: string[];
  /** True when the images came from result folders (predictions then ignore loose masks). */
  fromResultFolders: boolean;
}

/**
 * Every masked image below `folder`. With `resultFoldersOnly` (predictions), loose masks are
 * used only where the folder holds no result folder at all, so the images beside results are
 * never taken for masks.
 */
export async function discoverMasks(
  folder: string,
  options: { resultFoldersOnly?: boolean } = {},
): Promise<Discovery> {
  const root = path.resolve(folder);
  const stat = await fs.stat(root).catch(() => undefined);
  if (!stat?.isDirectory()) throw new Error(`${root}: ${stat ? 'is not a folder' : 'no such folder'}`);
  const resultDirs: string[] = [];
  const loose: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        // parse-volume names its result folder after the source (`scan.nii.gz/`): any folder
        // with a report.json of ours is a result too.
        if (isResultFolderName(e.name) || (await isOurReport(path.join(full, 'report.json'))))
          resultDirs.push(full);
        else await walk(full);
      } else if (e.isFile()) loose.push(full);
    }
  };
  // A single result (the folder itself is a result folder) or a folder of them.
  if (await isOurReport(path.join(root, 'report.json'))) resultDirs.push(root);
  else await walk(root);

  const warnings: string[] = [];
  const byKey = new Map<string, MaskedImage>();
  const runs: { created: string; image: MaskedImage }[] = [];
  for (const dir of resultDirs) {
    try {
      const image = await readResultFolder(dir);
      if (image) runs.push(image);
    } catch (error) {
      warnings.push(error instanceof Error ? error.message : String(error));
    }
  }
  // Oldest first, so that a newer run of the same image replaces its targets.
  runs.sort((a, b) => a.created.localeCompare(b.created));
  for (const { image } of runs) {
    const id = `${image.key}\u0000${image.sourceFile ?? ''}`;
    const known = byKey.get(id);
    if (!known) byKey.set(id, image);
    else {
      for (const [k, v] of image.targets) known.targets.set(k, v);
      Object.assign(known, {
        ...image,
        targets: known.targets,
        warnings: [...known.warnings, ...image.warnings],
      });
    }
  }
  const fromResultFolders = runs.length > 0;
  if (!(options.resultFoldersOnly && fromResultFolders)) {
    for (const image of await readLooseMasks(loose, warnings))
      byKey.set(`loose\u0000${image.location}\u0000${image.key}`, image);
  }
  const images = [...byKey.values()].sort(
    (a, b) => a.key.localeCompare(b.key) || a.location.localeCompare(b.location),
  );
  return { images, warnings, fromResultFolders };
}

/** True when `file` is a report this extension writes (2D export or volume result). */
async function isOurReport(file: string): Promise<boolean> {
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat?.isFile() || stat.size > 64 * 1024 ** 2) return false;
  try {
    const json = JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
    return (
      isRecord(json) &&
      (json.schema === VOLUME_REPORT_SCHEMA || (json.schemaVersion === 1 && isRecord(json.source)))
    );
  } catch {
    return false;
  }
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      cause: error,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`, {
      cause: error,
    });
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A result folder as a masked image; undefined when it holds no `report.json` (e.g. per-slice reports only). */
async function readResultFolder(dir: string): Promise<{ created: string; image: MaskedImage } | undefined> {
  const reportFile = path.join(dir, 'report.json');
  const exists = await fs.stat(reportFile).catch(() => undefined);
  if (!exists) return undefined;
  const report = await readJson(reportFile);
  if (!isRecord(report)) throw new Error(`${reportFile}: not a MedImageParse report`);
  const bad = (what: string) => new Error(`${reportFile}: ${what}`);
  const targets = new Map<string, { name: string; mask: MaskRef | null }>();
  if (report.schema === VOLUME_REPORT_SCHEMA) {
    const input = typeof report.input === 'string' ? report.input : undefined;
    const grid = isRecord(report.grid) ? report.grid : {};
    const labelsFile = typeof report.labelsFile === 'string' ? report.labelsFile : 'labels.nii.gz';
    if (!Array.isArray(report.targets)) throw bad('has no targets list');
    for (const t of report.targets as unknown[]) {
      if (!isRecord(t) || typeof t.name !== 'string' || typeof t.label !== 'number')
        throw bad('a target has no name or label');
      targets.set(targetKey(t.name), {
        name: t.name,
        mask: { file: path.join(dir, path.basename(labelsFile)), format: 'nifti', label: t.label },
      });
    }
    const name = input ? path.basename(input) : path.basename(dir).replace(/\.medimageparse(-\d+)?$/i, '');
    return {
      created: typeof report.time === 'string' ? report.time : '',
      image: {
        key: sourceStem(name),
        aliases: typeof report.seriesInstanceUid === 'string' ? [`series:${report.seriesInstanceUid}`] : [],
        image: name,
        modality: report.kind === 'dicom-series' ? 'DICOM series' : undefined,
        spacing: numberArray(grid.spacing, 3),
        dims: numberArray(grid.dims, 3),
        affine: matrix4(grid.affine),
        location: dir,
        targets,
        warnings: [],
      },
    };
  }
  if (report.schemaVersion !== 1 || !isRecord(report.source) || !Array.isArray(report.targets))
    throw bad('not a MedImageParse report (no schemaVersion 1, source and targets)');
  const source = report.source;
  const file =
    typeof source.file === 'string'
      ? source.file
      : path.basename(dir).replace(/\.medimageparse(-\d+)?$/i, '');
  const threshold = typeof report.maskThreshold === 'number' ? report.maskThreshold : 127.5;
  for (const t of report.targets as unknown[]) {
    if (!isRecord(t) || typeof t.name !== 'string') throw bad('a target has no name');
    const maskFile = typeof t.maskFile === 'string' ? path.join(dir, path.basename(t.maskFile)) : undefined;
    targets.set(targetKey(t.name), {
      name: t.name,
      mask: maskFile ? { file: maskFile, format: 'png', threshold } : null,
    });
  }
  // Prompted, and not among the targets (recognition keeps only what it found): empty.
  if (Array.isArray(report.prompts))
    for (const p of report.prompts)
      if (typeof p === 'string' && !targets.has(targetKey(p)))
        targets.set(targetKey(p), { name: p, mask: null });
  const pixelSpacing = numberArray(source.pixelSpacing, 2);
  const modality = isRecord(report.modality) ? report.modality : {};
  const width = typeof source.width === 'number' ? source.width : undefined;
  const height = typeof source.height === 'number' ? source.height : undefined;
  return {
    created: typeof report.createdAt === 'string' ? report.createdAt : '',
    image: {
      key: sourceStem(file),
      aliases: typeof source.sopInstanceUID === 'string' ? [`sop:${source.sopInstanceUID}`] : [],
      sopInstanceUid: typeof source.sopInstanceUID === 'string' ? source.sopInstanceUID : undefined,
      image: path.basename(file),
      modality:
        typeof modality.key === 'string'
          ? modality.key
          : typeof modality.modality === 'string'
            ? modality.modality
            : undefined,
      // The report keeps DICOM's [row spacing, column spacing]; the grid is [column, row].
      spacing: pixelSpacing ? [pixelSpacing[1], pixelSpacing[0]] : undefined,
      dims: width && height ? [width, height] : undefined,
      sourceFile: path.isAbsolute(file) ? file : undefined,
      location: dir,
      targets,
      warnings: [],
    },
  };
}

function matrix4(v: unknown): number[][] | undefined {
  return Array.isArray(v) &&
    v.length === 4 &&
    v.every((r) => Array.isArray(r) && r.length === 4 && r.every((x) => typeof x === 'number'))
    ? (v as number[][])
    : undefined;
}

function numberArray(v: unknown, length: number): number[] | undefined {
  return Array.isArray(v) &&
    v.length === length &&
    v.every((x) => typeof x === 'number' && x > 0 && Number.isFinite(x))
    ? (v as number[])
    : undefined;
}

/** Loose PNG masks and NIfTI volumes, grouped by image stem within their folder. */
export async function readLooseMasks(files: readonly string[], warnings: string[]): Promise<MaskedImage[]> {
  const images = new Map<string, MaskedImage>();
  const imageFor = (dir: string, key: string): MaskedImage => {
    const id = `${dir}\u0000${key}`;
    let image = images.get(id);
    if (!image) {
      image = { key, aliases: [], image: key, location: dir, targets: new Map(), warnings: [] };
      images.set(id, image);
    }
    return image;
  };
  const present = new Set(files);
  for (const file of files) {
    const dir = path.dirname(file);
    const base = path.basename(file);
    if (/\.png$/i.test(base)) {
      const split = splitMaskName(base.replace(/\.png$/i, ''));
      if (split)
        imageFor(dir, split.image).targets.set(targetKey(split.target), {
          name: split.target,
          mask: { file, format: 'png' },
        });
      continue;
    }
    if (mayBeDicom(base)) {
      try {
        const seg = await readSeg(file);
        if (!seg) continue;
        const uid = seg.seriesInstanceUid ?? seg.referencedInstances[0] ?? file;
        const image = imageFor(dir, `series:${uid}`);
        image.image = base;
        image.aliases.push(...seg.referencedInstances.map((u) => `sop:${u}`));
        for (const [number, label] of seg.segments)
          image.targets.set(targetKey(label), { name: label, mask: { file, format: 'seg', label: number } });
      } catch (error) {
        warnings.push(error instanceof Error ? error.message : String(error));
      }
      continue;
    }
    if (!NIFTI.test(base)) continue;
    const stem = base.replace(NIFTI, '');
    const sidecar = path.join(dir, `${stem}.json`);
    if (present.has(sidecar)) {
      try {
        const labels = labelMap(await readJson(sidecar), sidecar);
        const image = imageFor(dir, stem);
        const alias = stem.replace(LABEL_SUFFIX, '');
        if (alias !== stem) image.aliases.push(alias);
        for (const [label, name] of labels)
          image.targets.set(targetKey(name), { name, mask: { file, format: 'nifti', label } });
      } catch (error) {
        warnings.push(error instanceof Error ? error.message : String(error));
      }
      continue;
    }
    const split = splitMaskName(stem);
    if (split)
      imageFor(dir, split.image).targets.set(targetKey(split.target), {
        name: split.target,
        mask: { file, format: 'nifti' },
      });
  }
  return [...images.values()];
}

/** A label map sidecar in one of the accepted forms, as label → target name. */
export function labelMap(json: unknown, file: string): Map<number, string> {
  const out = new Map<number, string>();
  const add = (label: unknown, name: unknown) => {
    const value = typeof label === 'string' ? Number(label) : label;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535)
      throw new Error(`${file}: label ${JSON.stringify(label)} is not a whole number from 1 to 65535`);
    if (typeof name !== 'string' || !name.trim())
      throw new Error(`${file}: label ${value} has no target name`);
    out.set(value, name.trim());
  };
  if (isRecord(json) && Array.isArray(json.labels)) json.labels.forEach((name, i) => add(i + 1, name));
  else if (isRecord(json) && isRecord(json.labels))
    for (const [k, v] of Object.entries(json.labels)) add(k, v);
  else if (isRecord(json) && Array.isArray(json.targets))
    for (const t of json.targets) add(isRecord(t) ? t.label : undefined, isRecord(t) ? t.name : undefined);
  else
    throw new Error(
      `${file}: not a label map (expected {"labels": {"1": "liver", …}}, {"labels": ["liver", …]} or {"targets": [{"name", "label"}]})`,
    );
  if (out.size === 0) throw new Error(`${file}: the label map is empty`);
  return out;
}
