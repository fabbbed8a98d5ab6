/**
 * The message protocol between the extension host and the viewer webview.
 * One discriminated union per direction; every message from the webview is validated in the
 * host (`parseWebviewMessage`) before it is acted on. No `vscode` and no DOM here: both bundles
 * import this module.
 */

import { PLANE_NAMES, type DisplayOrientation, type PlaneName } from './orientation';

/** Pixels the viewer shows at full fidelity; never the 8-bit model input. */
export interface ViewerImage {
  /** File name only (no directories: the webview needs no paths). */
  fileName: string;
  format: 'dicom' | 'nifti' | 'raster';
  width: number;
  height: number;
  channels: 1 | 3;
  /** Real-world values (HU for CT), row-major, channels interleaved; bytes for 8-bit raster images. */
  pixels: Float32Array | Uint8Array;
  range: { min: number; max: number };
  /** Initial window for DICOM/NIfTI and high-bit-depth rasters; 8-bit raster images are shown as they are. */
  defaultWindow?: { lower: number; upper: number };
  /** Bits per stored sample (8, 16, 32 …); raster images deeper than 8 bits are windowed like DICOM. */
  bitsStored?: number;
  /** mm per pixel [row, column] when known. */
  pixelSpacing?: [number, number];
  slice?: { index: number; count: number };
  frame?: { index: number; count: number };
  /** Suggested modality and site: the user's remembered choice, DICOM tags or the file name, or a guess from the pixels. */
  suggestion: ImageSuggestion;
  /** The DICOM says BurnedInAnnotation YES: text in the pixels may identify the patient. */
  burnedInAnnotation: boolean;
  /**
   * Radiological display (flips/transpose of the source pixels) and the letters on the image's
   * edges, from the NIfTI affine or DICOM ImageOrientationPatient; absent when unknown (shown as stored).
   */
  orientation?: DisplayOrientation;
  /** Things to know about the volume this slice belongs to (missing slices, gantry tilt …). */
  warnings?: string[];
  /**
   * A volume's image: which plane it lies in (the acquisition's own, or a coronal/sagittal/axial
   * reformat) and the planes the volume can be shown in, acquisition plane first. `slice` then
   * counts along this plane.
   */
  plane?: { name: PlaneName; acquired: boolean; planes: PlaneName[] };
  /**
   * Relative on-screen width and height of one pixel (its spacing along x and y), when pixels
   * are not square, e.g. a reformat across 1.5 mm pixels and 2.5 mm slices: [1, 1.67].
   */
  cellAspect?: [number, number];
  /** Unit of the values where the file states one (RT Dose: Gy). */
  unit?: string;
}

/** A modality/site suggestion and where it comes from (see src/editors/modalitySuggestion.ts). */
export interface ImageSuggestion {
  modality?: string;
  site?: string;
  /** remembered: the user chose it for this file; file: DICOM tags or name; image: guessed from the pixels. */
  source?: 'remembered' | 'file' | 'image';
  /** For a guess from the pixels: 0–1, and what it rests on. */
  confidence?: number;
  reason?: string;
}

export type TargetStatus = 'valid' | 'likely-absent' | 'not-found' | 'not-assessed';

export interface DetectedComponent {
  bbox: { x: number; y: number; width: number; height: number };
  area: number;
  areaMm2?: number;
  centroid: { x: number; y: number };
}

export interface TargetResult {
  /** The prompt text as sent. */
  target: string;
  /** What the endpoint called it (`text_features`). */
  label: string;
  /** Probability map at the source image's resolution: value / 255 = probability. */
  mask: Uint8Array;
  status: TargetStatus;
  pValue: number | null;
  area: number;
  areaMm2?: number;
  components: DetectedComponent[];
}

export interface ParseResult {
  id: string;
  kind: 'parse' | 'recognition';
  /** Where the masks came from: a model endpoint or the demo endpoint's reference annotations. */
  source: 'endpoint' | 'demo-reference';
  endpointName: string;
  deployment?: string;
  modality?: string;
  site?: string;
  modalityKey?: string;
  /** The CT window the model input was made with (e.g. 'lung'); Run Again makes it the same way. */
  ctWindow?: string;
  prompts: string[];
  /** ISO time of the run. */
  time: string;
  width: number;
  height: number;
  slice?: number;
  frame?: number;
  targets: TargetResult[];
  /** Recognition only: label i + 1 is `labels[i]`, 0 background, at the source resolution. */
  labelMap?: Uint8Array;
  labels?: string[];
  /** A slice's share of a whole-volume result: that result's id (see VolumeSummary). */
  volumeId?: string;
  /** With volumeId: the plane of the image this share is for (`slice` counts along it). */
  plane?: PlaneName;
}

/** Per target of a whole-volume result (see src/pipeline/volumeView.ts). */
export interface VolumeTargetSummary {
  target: string;
  /** Its value in labels.nii.gz: 1 … N in prompt order. */
  label: number;
  voxels: number;
  volumeMl: number;
  /** First and last slice with any voxel (0-based), null when empty. */
  slices: [number, number] | null;
  /** 3D connected components. */
  components: number;
  largestSliceAreaMm2: number | null;
  /** Slices where the target was found but is likely absent (slice mode). */
  likelyAbsentSlices: number;
}

/** A whole-volume result: its figures; each slice's masks travel with that slice's image. */
export interface VolumeSummary {
  id: string;
  mode: VolumeMode;
  prompts: string[];
  endpointName: string;
  time: string;
  source: 'endpoint' | 'demo-reference';
  /** Acquisition slices parsed, first and last (0-based). */
  range: [number, number];
  /** Slices answered in the run that made it, and those kept from an earlier run. */
  requested: number;
  resumed: number;
  /** The figures (and masks) leave out each target's likely-absent slices. */
  hideLikelyAbsent: boolean;
  targets: VolumeTargetSummary[];
}

/** Whole-volume parsing: slice by slice with the 2D model, or the MedImageParse 3D model. */
export type VolumeMode = 'slices' | '3d';

export interface EndpointSummary {
  name: string;
  isDemo: boolean;
  /** False in Restricted Mode or without a usable endpoint; `reason` says why. */
  canSend: boolean;
  reason?: string;
  /** How this endpoint can parse a whole volume (its model): 2D slice by slice, or 3D. */
  volumeModes?: VolumeMode[];
}

export interface ViewerSettings {
  maskThreshold: number;
  maskOpacity: number;
  maskStyle: 'fill' | 'outline' | 'both';
  likelyAbsentDisplay: 'dim' | 'hide' | 'show';
  pValueThreshold: number;
}

export interface UserError {
  message: string;
  /** A command the user can run to fix it, shown as a button. */
  action?: { label: string; command: WebviewCommand };
}

/** Host commands a webview button may ask for; nothing else is accepted. */
export const WEBVIEW_COMMANDS = [
  'addEndpoint',
  'selectEndpoint',
  'showLog',
  'testEndpoint',
  'openSettings',
] as const;
export type WebviewCommand = (typeof WEBVIEW_COMMANDS)[number];

/**
 * What the viewer's keyboard shortcuts do. They are contributed keybindings (so users see and
 * remap them): the command reaches the active viewer, which the host tells to act.
 */
export const VIEWER_ACTIONS = [
  'run',
  'export',
  'previousSlice',
  'nextSlice',
  'firstSlice',
  'lastSlice',
] as const;
export type ViewerAction = (typeof VIEWER_ACTIONS)[number];

/** A parse of the image on screen, a recognition, or a parse of the whole volume. */
export type RunKind = 'parse' | 'recognition' | 'volume';

/** Messages from the host to the webview. */
export type HostMessage =
  /** Answer to `ready`: everything the viewer needs to draw. */
  | {
      type: 'init';
      image: ViewerImage;
      settings: ViewerSettings;
      endpoint: EndpointSummary;
      /** Last targets chosen per modality, for the picker. */
      lastSelection: Record<string, string[]>;
      /** A result to show straight away (restored from history or state). */
      result?: ParseResult;
      /** Opaque id of the file; the webview keeps it in its state so a reload can reopen it. */
      stateKey: string;
    }
  /**
   * A different slice or frame of the same file (or plane of its volume); `result` is that
   * image's share of the whole-volume result on screen, if any.
   */
  | { type: 'image'; image: ViewerImage; result?: ParseResult }
  /** A whole-volume result was made (`runId`), changed (likely-absent slices hidden) or restored; undefined: none. */
  | { type: 'volumeResult'; runId?: string; summary?: VolumeSummary }
  | { type: 'endpoint'; endpoint: EndpointSummary }
  | { type: 'settings'; settings: ViewerSettings }
  /**
   * A run started outside the webview (History's Run Again, a Targets command) or still going
   * when the webview was made again: the viewer shows it as running, with Cancel, as its own.
   */
  | { type: 'runStarted'; runId: string; kind: RunKind }
  | { type: 'runProgress'; runId: string; message: string; increment?: number }
  | { type: 'runResult'; runId: string; result: ParseResult }
  /** `cancelled`: the user stopped the run (shown as a note, not as a failure). */
  | { type: 'runError'; runId: string; error: UserError; cancelled?: boolean }
  /** A result restored from history without calling the endpoint. */
  | { type: 'showResult'; result: ParseResult }
  /** Targets chosen in the side panel. */
  | { type: 'addTargets'; targets: string[]; modality?: string; site?: string }
  | { type: 'exported'; folder: string; files: string[] }
  | { type: 'exportError'; error: UserError }
  /** Ask the webview for a PNG of its overlay (for exports); answered by `screenshot`. */
  | { type: 'requestScreenshot'; requestId: string }
  /**
   * Ground-truth masks found next to the image for targets of result `resultId` (0/1 at the
   * result's size; `file` is the mask's file name only), for "Compare with ground truth". For a
   * slice of a whole-volume result, `volumeDice` is the target's Dice over the whole volume.
   */
  | {
      type: 'groundTruth';
      resultId: string;
      targets: { target: string; file: string; mask: Uint8Array; volumeDice?: number }[];
    }
  /** A viewer command (keyboard shortcut or palette): run, export or step through slices. */
  | { type: 'invoke'; action: ViewerAction };

/** Messages from the webview to the host. */
export type WebviewMessage =
  /** `viewerId`: the viewer's own id from its saved state, by which the host remembers its result. */
  | { type: 'ready'; viewerId?: string }
  | { type: 'run'; runId: string; prompts: string[]; modality?: string; site?: string; ctWindow?: string }
  | { type: 'recognize'; runId: string; modalityKey: string }
  /**
   * Parse the whole volume (or acquisition slices `range`, first and last, 0-based) with the
   * endpoint's 2D model slice by slice, or its 3D model.
   */
  | {
      type: 'runVolume';
      runId: string;
      prompts: string[];
      mode: VolumeMode;
      range?: [number, number];
      modality?: string;
      site?: string;
      ctWindow?: string;
    }
  /** Leave out (or bring back) each target's likely-absent slices in the volume result. */
  | { type: 'volumeHideLikelyAbsent'; hide: boolean }
  | { type: 'cancel'; runId: string }
  /** `plane`: a volume's plane to show (default: the one shown); `slice` counts along it. */
  | { type: 'selectSlice'; slice?: number; frame?: number; plane?: PlaneName }
  | { type: 'export'; resultId: string }
  | { type: 'restoreResult'; resultId: string }
  | { type: 'saveSelection'; modality: string; targets: string[] }
  | { type: 'screenshot'; requestId: string; png: Uint8Array | null }
  | { type: 'command'; command: WebviewCommand }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /** The user picked this modality and site for the file: open it so next time. */
  | { type: 'rememberModality'; modality: string; site: string };

const MAX_PROMPTS = 64;
/** What a viewer id looks like (the webview makes it from random bytes). */
export const VIEWER_ID = /^[A-Za-z0-9_-]{8,64}$/;
const MAX_TEXT = 500;

function isString(v: unknown, max = MAX_TEXT): v is string {
  return typeof v === 'string' && v.length <= max;
}
function isOptionalString(v: unknown): v is string | undefined {
  return v === undefined || isString(v);
}
function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 100_000;
}
function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.length <= MAX_PROMPTS && v.every((s) => isString(s) && s.trim().length > 0);
}

/**
 * Validates a message from the webview. Returns undefined for anything malformed: the webview is
 * treated as untrusted (it renders file names and endpoint text), so the host acts only on
 * messages of the exact shape below.
 */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      if (m.viewerId === undefined) return { type: 'ready' };
      return typeof m.viewerId === 'string' && VIEWER_ID.test(m.viewerId)
        ? { type: 'ready', viewerId: m.viewerId }
        : undefined;
    case 'run':
      if (!isString(m.runId, 100) || !isStringList(m.prompts) || m.prompts.length === 0) return undefined;
      if (!isOptionalString(m.modality) || !isOptionalString(m.site) || !isOptionalString(m.ctWindow))
        return undefined;
      return {
        type: 'run',
        runId: m.runId,
        prompts: m.prompts.map((p) => p.trim()),
        modality: m.modality,
        site: m.site,
        ctWindow: m.ctWindow,
      };
    case 'runVolume': {
      if (!isString(m.runId, 100) || !isStringList(m.prompts) || m.prompts.length === 0) return undefined;
      if (!isOptionalString(m.modality) || !isOptionalString(m.site) || !isOptionalString(m.ctWindow))
        return undefined;
      if (m.mode !== 'slices' && m.mode !== '3d') return undefined;
      let range: [number, number] | undefined;
      if (m.range !== undefined) {
        if (!Array.isArray(m.range) || m.range.length !== 2 || !m.range.every(isIndex)) return undefined;
        range = [m.range[0] as number, m.range[1] as number];
        if (range[0] > range[1]) return undefined;
      }
      return {
        type: 'runVolume',
        runId: m.runId,
        prompts: m.prompts.map((p) => p.trim()),
        mode: m.mode,
        ...(range ? { range } : {}),
        modality: m.modality,
        site: m.site,
        ctWindow: m.ctWindow,
      };
    }
    case 'volumeHideLikelyAbsent':
      return typeof m.hide === 'boolean' ? { type: 'volumeHideLikelyAbsent', hide: m.hide } : undefined;
    case 'recognize':
      if (!isString(m.runId, 100) || !isString(m.modalityKey, 100)) return undefined;
      return { type: 'recognize', runId: m.runId, modalityKey: m.modalityKey };
    case 'cancel':
      return isString(m.runId, 100) ? { type: 'cancel', runId: m.runId } : undefined;
    case 'selectSlice':
      if ((m.slice !== undefined && !isIndex(m.slice)) || (m.frame !== undefined && !isIndex(m.frame)))
        return undefined;
      if (m.plane !== undefined && !(PLANE_NAMES as readonly unknown[]).includes(m.plane)) return undefined;
      return {
        type: 'selectSlice',
        slice: m.slice as number | undefined,
        frame: m.frame as number | undefined,
        ...(m.plane !== undefined ? { plane: m.plane as PlaneName } : {}),
      };
    case 'export':
      return isString(m.resultId, 100) ? { type: 'export', resultId: m.resultId } : undefined;
    case 'restoreResult':
      return isString(m.resultId, 100) ? { type: 'restoreResult', resultId: m.resultId } : undefined;
    case 'saveSelection':
      if (!isString(m.modality, 100) || !Array.isArray(m.targets) || !m.targets.every((t) => isString(t)))
        return undefined;
      return {
        type: 'saveSelection',
        modality: m.modality,
        targets: (m.targets as string[]).slice(0, MAX_PROMPTS),
      };
    case 'screenshot':
      if (!isString(m.requestId, 100)) return undefined;
      if (m.png !== null && !(m.png instanceof Uint8Array)) return undefined;
      return { type: 'screenshot', requestId: m.requestId, png: m.png as Uint8Array | null };
    case 'command':
      return (WEBVIEW_COMMANDS as readonly unknown[]).includes(m.command)
        ? { type: 'command', command: m.command as WebviewCommand }
        : undefined;
    case 'rememberModality':
      if (!isString(m.modality, 100) || !isString(m.site, 100)) return undefined;
      return { type: 'rememberModality', modality: m.modality, site: m.site };
    case 'log':
      if (!['info', 'warn', 'error'].includes(m.level as string) || !isString(m.message, 2000))
        return undefined;
      return { type: 'log', level: m.level as 'info' | 'warn' | 'error', message: m.message };
    default:
      return undefined;
  }
}
