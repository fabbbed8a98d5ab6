/**
 * MedImageParse viewer webview: the one entry point. Calls `acquireVsCodeApi()` once (through
 * Messenger), builds the page from small modules and wires them to the host protocol
 * (`src/shared/protocol.ts`).
 *
 * Stable test ids (`data-testid`) for UI tests:
 *   Image:    canvas (the stage canvas; focusable; +/-/0/1/arrows, PageUp/PageDown/Home/End for
 *             slices or frames), cursor-info, file-name,
 *             zoom-in, zoom-out, zoom-fit, zoom-1to1, window-preset, window-lower, window-upper,
 *             slice-slider, frame-slider, orientation-top/-bottom/-left/-right (letters on the
 *             image's edges, e.g. A/P/R/L; hidden when the orientation is unknown), volume-warnings
 *   Prompts:  modality-select, site-select, ct-window-select, prompt-search, picker-list,
 *             picker-item-<slug> (one per target; also data-target="<name>"; slug = lower-case,
 *             non-alphanumerics → '-', e.g. picker-item-left-kidney), free-text-input,
 *             free-text-add, selected-prompts, remove-prompt-<slug>, prompt-preview, off-list-note
 *   Run:      run-button, recognize-button, cancel-button, run-disabled-reason, run-progress,
 *             run-status (polite live region), error-area, error-message, error-action,
 *             error-show-log, research-notice, burned-in-warning
 *   Results:  result-banner, result-summary, no-result, export-button, threshold-slider,
 *             opacity-slider, style-select, boxes-toggle, legend, legend-row-<slug>,
 *             legend-visibility-<slug> (also data-target="<name>")
 *
 * Read-only test hook: `window.__medimageparseViewer`
 *   state()            → a JSON snapshot: image (no pixels), ui (the persisted state), run,
 *                        endpoint, result summary (targets with status/visible/dimmed/area at the
 *                        current threshold), overlayShown, view transform, lastRepaintMs,
 *                        repaintTimings (ms per stage and kind: full/incremental/none), renderer.
 *   canvasPixel(x, y)  → [r, g, b, a] of the composed image + overlay at SOURCE pixel (x, y):
 *                        the windowed image, then the fill layer at the fill opacity, then the
 *                        outline layer at the outline opacity (boxes/labels not included).
 *   imageToScreen(x, y)→ [clientX, clientY] of the centre of source pixel (x, y), for mouse moves.
 *   labels()           → the recognition labels as drawn: text, left/top/width/height, leader.
 */
// First: the translations must be loaded before any module below makes its text.
import './l10nSetup';
import './styles.css';
import type {
  HostMessage,
  ParseResult,
  TargetStatus,
  ViewerImage,
  ViewerSettings,
  DetectedComponent,
  EndpointSummary,
  VolumeMode,
  VolumeSummary,
  WebviewMessage,
  ViewerAction,
} from '../src/shared/protocol';
import type { PlaneName } from '../src/shared/orientation';
import { modalityKeyFor } from '../src/shared/targets';
import { confidenceWords } from '../src/shared/suggestion';
import { el, setText } from './dom';
import { compositeOver, labelMapMasks, minByteFor, outlineWidthFor, shownArea } from './layers';
import { describeRow } from './legendModel';
import { Messenger } from './messenger';
import { MaskOverlay } from './overlay';
import { InstanceCache } from './instances';
import { targetColors } from './palette';
import { CompareLayer, diceAt } from './compare';
import { Picker, type PickerValue } from './picker';
import { CATALOGUE_MODALITIES, initialChoice } from './prompts';
import { LEGEND_ID, ResultsPanel, type LegendRow } from './results';
import { RunPanel } from './runPanel';
import { Stage } from './stage';
import {
  IDLE_RUN,
  isDimmed,
  isVisible,
  reduceRun,
  reduceUi,
  newViewerId,
  restoreUiState,
  selectionForModality,
  startingSelection,
  type RunAction,
  type UiAction,
  type UiState,
} from './state';
import { Toolbar } from './toolbar';
import { PlaneControl } from './planeControl';
import { VolumePanel } from './volumePanel';
import { volumeLine } from './volumeModel';
import type { DisplayWindow } from './windowing';
import * as l10n from '@vscode/l10n';

interface Entry {
  target: string;
  label: string;
  status: TargetStatus;
  pValue: number | null;
  components: DetectedComponent[];
  centroid?: { x: number; y: number };
}

const DEFAULT_SETTINGS: ViewerSettings = {
  maskThreshold: 0.5,
  maskOpacity: 0.45,
  maskStyle: 'both',
  likelyAbsentDisplay: 'dim',
  pValueThreshold: 0.05,
};

function readSettings(app: HTMLElement): ViewerSettings {
  try {
    const s = JSON.parse(app.dataset.settings ?? '{}') as Partial<ViewerSettings>;
    return { ...DEFAULT_SETTINGS, ...s };
  } catch {
    return DEFAULT_SETTINGS;
  }
}

const app = document.getElementById('app') ?? document.body.appendChild(el('div', { id: 'app' }));
const messenger = new Messenger();
let settings = readSettings(app);
let ui: UiState = restoreUiState(messenger.getState(), settings);
if (!ui.viewerId) ui = { ...ui, viewerId: newViewerId() };
let run = IDLE_RUN;
let image: ViewerImage | undefined;
let endpoint: EndpointSummary | undefined;
let result: ParseResult | undefined;
let entries: Entry[] = [];
/** One colour per entry, from the target's name (the same in Parse, Recognize and exports). */
let entryColors: string[] = [];
let overlay: MaskOverlay | undefined;
/** Each layer's objects at the threshold on screen: the legend counts and boxes follow it. */
let instances: InstanceCache | undefined;
let overlayShown = false;
/** Ground truth found next to the image for the result shown (by target), and whether it is shown. */
let truth: { resultId: string; masks: Map<string, Uint8Array>; volumeDice: Map<string, number> } | undefined;
let compareOn = false;
let compareLayer: CompareLayer | undefined;
let lastSelection: Record<string, string[]> = {};
/** The whole-volume result on screen (its figures; each slice's masks come with the slice). */
let volumeSummary: VolumeSummary | undefined;
/** The acquisition slice last shown, and how many there are (kept while a reformat is shown). */
let acquiredSlice = { index: 0, count: 0 };
let lastRepaintMs = 0;
/**
 * Masks are composited on the CPU into two Canvas 2D layers, incrementally. A WebGL2 shader path
 * was measured and not kept: where WebGL2 is software (SwiftShader, e.g. headless or GPU-blocked
 * VS Code) one 1024² fill+outline pass took ~60 ms against ~1–10 ms here.
 */
// l10n-ignore: a technical note in the test hook's state, not shown
const RENDERER = 'Canvas 2D, incremental CPU compositing';
let repaintTimings = { compose: 0, paint: 0, put: 0, draw: 0, kind: 'none' };
let hoverAt: [number, number] | undefined;
let picker: Picker | undefined;
let runCounter = 0;
let persistTimer = 0;

const post = (m: WebviewMessage) => messenger.post(m);

/** Actions that drags fire many times a second: saved at most every 200 ms. */
const FREQUENT: ReadonlySet<UiAction['type']> = new Set(['view', 'threshold', 'opacity', 'window']);

function persistNow(): void {
  clearTimeout(persistTimer);
  messenger.setState(ui);
}

function dispatch(a: UiAction): void {
  ui = reduceUi(ui, a);
  clearTimeout(persistTimer);
  // Everything else (prompts, results) is saved at once: a hidden viewer's webview is discarded,
  // and a pick made just before switching tabs must not be lost.
  if (FREQUENT.has(a.type)) persistTimer = window.setTimeout(() => messenger.setState(ui), 200);
  else messenger.setState(ui);
}

function setRun(a: RunAction): void {
  run = reduceRun(run, a);
  runPanel.setRun(run);
  refreshVolumeRun();
}

// ---- Layout ----

const toolbar = new Toolbar({
  zoomIn: () => stage.zoomBy(1.25),
  zoomOut: () => stage.zoomBy(0.8),
  fit: () => stage.fitToWindow(),
  actualSize: () => stage.actualSize(),
  window: (w) => setWindow(w),
  slice: (i) =>
    post({
      type: 'selectSlice',
      slice: i,
      frame: image?.frame?.index,
      ...(image?.plane ? { plane: image.plane.name } : {}),
    }),
  frame: (i) => post({ type: 'selectSlice', slice: image?.slice?.index, frame: i }),
});
/** The plane switch of a volume, beside the slice slider. */
const planeControl = new PlaneControl((plane: PlaneName) => post({ type: 'selectSlice', plane }));
toolbar.root.insertBefore(planeControl.root, toolbar.root.querySelector('.file-name'));

const stageHost = el('div', { class: 'stage' });
const cursorInfo = el('div', {
  class: 'cursor-info small',
  'data-testid': 'cursor-info',
  'aria-hidden': 'true',
});
const stage = new Stage(stageHost, {
  onHover: (x, y) => {
    hoverAt = x === undefined || y === undefined ? undefined : [x, y];
    showCursorInfo();
  },
  onViewChange: () => dispatch({ type: 'view', view: stage.savedView() }),
  onWindowDrag: (w) => setWindow(w),
  onPlaced: () => placeOrientationLetters(),
  onScaleChange: () => {
    if (overlay && overlayShown) {
      repaintOverlay();
      stage.requestRender();
    }
  },
});
planeControl.bindKeys(stage.canvas);
stage.canvas.setAttribute('tabindex', '0');
stage.canvas.setAttribute('role', 'img');
stage.canvas.setAttribute('data-testid', 'canvas');
stage.canvas.setAttribute('aria-describedby', `${LEGEND_ID} canvas-help`);
stage.canvas.setAttribute('aria-label', l10n.t('Image'));
/** Orientation letters on the stage's four edges (radiological display, see src/shared/orientation.ts). */
const EDGES = ['top', 'bottom', 'left', 'right'] as const;
const orientationLetters = EDGES.map((edge) =>
  el('div', {
    class: `orientation-letter orientation-${edge}`,
    'data-testid': `orientation-${edge}`,
    hidden: true,
  }),
);
stageHost.append(...orientationLetters);
/** Warnings about the volume this slice belongs to (a DICOM series' missing slices, tilt …). */
const volumeWarnings = el('div', {
  class: 'notice warning',
  role: 'note',
  'data-testid': 'volume-warnings',
  hidden: true,
});
const canvasHelp = el(
  'p',
  { id: 'canvas-help', class: 'sr-only' },
  l10n.t(
    'Keys: plus and minus zoom, 0 fits, 1 shows actual size, arrow keys pan, Page Up and Page Down step through slices, Home and End go to the first and last. Drag to pan; drag with the right button or Shift to change the window.',
  ),
);

const runPanel = new RunPanel({
  run: () => startRun(),
  recognize: () => startRecognize(),
  cancel: () => {
    if (!run.runId || run.phase !== 'running') return;
    post({ type: 'cancel', runId: run.runId });
    setRun({ type: 'cancel' });
  },
  command: (command) => post({ type: 'command', command }),
});

const results = new ResultsPanel({
  compare: (on) => {
    compareOn = on;
    repaintNow();
  },
  threshold: (v) => {
    dispatch({ type: 'threshold', value: v });
    repaintNow();
  },
  opacity: (v) => {
    dispatch({ type: 'opacity', value: v });
    repaintNow();
  },
  style: (s) => {
    dispatch({ type: 'style', value: s });
    repaintNow();
  },
  boxes: (on) => {
    dispatch({ type: 'showBoxes', value: on });
    repaintNow();
  },
  visibility: (target, visible) => {
    dispatch({ type: 'visibility', target, visible });
    repaintNow();
  },
  export: () => result && post({ type: 'export', resultId: result.id }),
});

const volumePanel = new VolumePanel({
  run: (mode, range) => startVolumeRun(mode, range),
  hideLikelyAbsent: (hide) => post({ type: 'volumeHideLikelyAbsent', hide }),
});

const pickerHost = el('div', { class: 'picker-host' }, el('p', { class: 'muted' }, l10n.t('Loading image…')));
const panel = el(
  'aside',
  { class: 'panel', 'aria-label': l10n.t('Prompts and results') },
  runPanel.notices,
  volumeWarnings,
  pickerHost,
  runPanel.root,
  volumePanel.root,
  results.root,
);
app.append(
  toolbar.root,
  el(
    'div',
    { class: 'layout' },
    el('div', { class: 'stage-wrap' }, stageHost, cursorInfo, canvasHelp),
    panel,
  ),
);
results.setControls(ui.threshold, ui.opacity, ui.style, ui.showBoxes);

// ---- Image ----

function setWindow(w: DisplayWindow | undefined): void {
  dispatch({ type: 'window', value: w });
  toolbar.showWindow(w ?? image?.defaultWindow);
  stage.setWindow(w ?? image?.defaultWindow);
  showCursorInfo();
}

function showImage(next: ViewerImage, first: boolean): void {
  image = next;
  const w = ui.window ?? next.defaultWindow;
  stage.setImage(next, w, first ? ui.view : undefined);
  toolbar.setImage(next, w);
  stage.canvas.setAttribute(
    'aria-label',
    next.slice
      ? l10n.t(
          '{0}, {1} × {2} pixels, slice {3} of {4}, with segmentation overlay',
          next.fileName,
          next.width,
          next.height,
          next.slice.index + 1,
          next.slice.count,
        )
      : l10n.t('{0}, {1} × {2} pixels, with segmentation overlay', next.fileName, next.width, next.height),
  );
  runPanel.setBurnedIn(next.burnedInAnnotation);
  showOrientation(next);
  planeControl.setImage(next);
  if (next.plane?.acquired && next.slice) acquiredSlice = { ...next.slice };
  volumePanel.setVolume(next.plane ? acquiredSlice.count : undefined, acquiredSlice.index);
  attachOverlay();
}

/**
 * Puts each orientation letter just outside the middle of its edge of the image as displayed
 * (inside the stage, over the image when there is no room), so the letters stay with the image
 * when it is zoomed, panned or narrower than the stage.
 */
function placeOrientationLetters(): void {
  const rect = stage.imageRect();
  if (!rect) return;
  const w = stageHost.clientWidth;
  const h = stageHost.clientHeight;
  const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
  const cx = clamp((rect.left + rect.right) / 2, 12, w - 12);
  const cy = clamp((rect.top + rect.bottom) / 2, 12, h - 12);
  const place: Record<(typeof EDGES)[number], [number, number]> = {
    top: [cx, clamp(rect.top - 10, 10, h - 10)],
    bottom: [cx, clamp(rect.bottom + 10, 10, h - 10)],
    left: [clamp(rect.left - 10, 10, w - 10), cy],
    right: [clamp(rect.right + 10, 10, w - 10), cy],
  };
  EDGES.forEach((edge, i) => {
    const letter = orientationLetters[i].style;
    // Centred on the point: the stylesheet's edge offsets give way to this placement.
    letter.left = `${place[edge][0]}px`;
    letter.top = `${place[edge][1]}px`;
    letter.right = 'auto';
    letter.bottom = 'auto';
    letter.transform = 'translate(-50%, -50%)';
  });
}

function showOrientation(img: ViewerImage): void {
  const letters = img.orientation?.letters;
  EDGES.forEach((edge, i) => {
    const letter = orientationLetters[i];
    letter.hidden = !letters;
    setText(letter, letters?.[edge] ?? '');
  });
  const warnings = img.warnings ?? [];
  volumeWarnings.hidden = warnings.length === 0;
  // A series' warnings concern the volume; a single file's (read around a broken rule) the image.
  const volume = (img.slice?.count ?? 1) > 1;
  const list = warnings.join('; ');
  setText(
    volumeWarnings,
    !warnings.length ? '' : volume ? l10n.t('This volume: {0}.', list) : l10n.t('This image: {0}.', list),
  );
}

function unitFor(img: ViewerImage): string {
  if (img.unit) return ` ${img.unit}`;
  const m = (img.suggestion.modality ?? '').toUpperCase();
  return img.format !== 'raster' && m === 'CT' && img.suggestion.source !== 'image' ? ' HU' : '';
}

function fmtValue(v: number): string {
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
}

function showCursorInfo(): void {
  if (!image || !hoverAt) {
    setText(cursorInfo, '');
    return;
  }
  const [x, y] = hoverAt;
  const i = y * image.width + x;
  const value =
    image.channels === 1
      ? fmtValue(image.pixels[i]) + unitFor(image)
      : [0, 1, 2].map((c) => fmtValue(image!.pixels[i * 3 + c])).join(', ');
  const parts = [`x ${x}, y ${y}`, value];
  if (overlay && overlayShown) {
    const probs: [string, number][] = [];
    overlay.layers.forEach((layer, k) => {
      const v = layer.mask[i];
      if (v > 0) probs.push([entries[k].target, v / 255]);
    });
    probs.sort((a, b) => b[1] - a[1]);
    if (result?.kind === 'recognition') {
      const k = overlay.labelAt(x, y);
      if (k >= 0) parts.push(entries[k].target);
    } else {
      for (const [t, p] of probs.slice(0, 4)) parts.push(`${t} ${p.toFixed(2)}`);
    }
  }
  setText(cursorInfo, parts.join(' · '));
}

// ---- Results ----

function resultFits(r: ParseResult, img: ViewerImage): string | undefined {
  if (r.width !== img.width || r.height !== img.height)
    return l10n.t(
      'This result is for a {0} × {1} image; this one is {2} × {3}.',
      r.width,
      r.height,
      img.width,
      img.height,
    );
  // A volume's results belong to one plane (a slice's own result to the acquisition plane).
  if ((r.plane ?? img.plane?.planes[0]) !== (img.plane?.name ?? r.plane))
    return l10n.t(
      'This result is for the {0} plane; switch to it to see the masks.',
      r.plane ?? img.plane?.planes[0] ?? '',
    );
  if (r.slice !== undefined && img.slice && r.slice !== img.slice.index)
    return l10n.t('This result is for slice {0}; go back to it to see the masks.', r.slice + 1);
  if (r.frame !== undefined && img.frame && r.frame !== img.frame.index)
    return l10n.t('This result is for frame {0}; go back to it to see the masks.', r.frame + 1);
  return undefined;
}

function layerCentroid(mask: Uint8Array, width: number): { x: number; y: number } | undefined {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p] >= 128) {
      sx += p % width;
      sy += Math.floor(p / width);
      n++;
    }
  }
  return n ? { x: sx / n, y: sy / n } : undefined;
}

function showResult(r: ParseResult): void {
  const size = r.width * r.height;
  const bad =
    r.targets.find((t) => t.mask.length !== size) ??
    (r.labelMap && r.labelMap.length !== size ? r.targets[0] : undefined);
  if (bad || (r.labelMap && r.labelMap.length !== size)) {
    runPanel.showError(
      {
        message: l10n.t(
          'The result {0} has masks that do not match its {1} × {2} size, so it cannot be shown. Run again.',
          r.id,
          r.width,
          r.height,
        ),
      },
      l10n.t('Cannot show the result'),
    );
    return;
  }
  result = r;
  if (truth?.resultId !== r.id) truth = undefined;
  results.setCompare(!!truth, compareOn);
  dispatch({ type: 'result', resultId: r.id });
  // A result that arrives from elsewhere (explorer, History) shows what was asked, so Run repeats it.
  if (r.kind === 'parse' && picker && picker.current.selection.length === 0) {
    picker.setSelection(r.prompts);
    onPickerChange(picker.current, 'selection');
  }
  let masks: Uint8Array[];
  if (r.kind === 'recognition' && r.labelMap && r.labels) {
    masks = labelMapMasks(r.labelMap, r.labels.length);
    entries = r.labels.map((label, i) => {
      const t = r.targets.find((x) => x.target === label || x.label === label);
      return {
        target: label,
        label,
        status: t?.status ?? 'not-assessed',
        pValue: t?.pValue ?? null,
        components: t?.components ?? [],
        centroid: layerCentroid(masks[i], r.width),
      };
    });
  } else {
    masks = r.targets.map((t) => t.mask);
    entries = r.targets.map((t) => ({
      target: t.target,
      label: t.label,
      status: t.status,
      pValue: t.pValue,
      components: t.components,
    }));
  }
  entryColors = targetColors(entries.map((e) => e.target));
  overlay = new MaskOverlay(masks, r.width, r.height, entryColors);
  instances = new InstanceCache(overlay.layers, r.width, r.height);
  const demo = r.source === 'demo-reference';
  const when = new Date(r.time);
  const summary = `${r.kind === 'recognition' ? l10n.t('Recognition') : r.volumeId ? l10n.t('Volume parse') : l10n.t('Parse')} · ${r.endpointName}${r.modalityKey ? ` · ${r.modalityKey}` : ''} · ${Number.isNaN(when.getTime()) ? r.time : when.toLocaleString()}`;
  results.setThresholdEnabled(r.kind !== 'recognition');
  results.setBanner(
    demo ? l10n.t('Reference annotations from the demo endpoint (not model output)') : undefined,
    summary,
  );
  attachOverlay();
}

function attachOverlay(): void {
  if (!result || !overlay || !image) {
    overlayShown = false;
    stage.setOverlay(undefined);
    stage.setAnnotations({ boxes: [], labels: [] });
    results.setHasResult(false);
    stage.render();
    return;
  }
  const mismatch = resultFits(result, image);
  overlayShown = !mismatch;
  results.setHasResult(overlayShown, mismatch);
  stage.setOverlay(overlayShown ? overlay : undefined);
  repaintNow();
}

function threshold(): number {
  // Recognition layers are 0/255 label regions: the threshold does not apply.
  return result?.kind === 'recognition' ? 0.5 : ui.threshold;
}

function repaintOverlay(): void {
  if (!overlay || !overlayShown) return;
  const visible = entries.map((e) =>
    isVisible(e.target, e.status, ui.visibility, settings.likelyAbsentDisplay),
  );
  const dimmed = entries.map((e) => isDimmed(e.status, settings.likelyAbsentDisplay));
  overlay.update({ threshold: threshold(), visible, dimmed, outlineWidth: outlineWidthFor(stage.scale) });
  paintCompare(visible);
  stage.setOverlayLook(ui.style, ui.opacity);
}

/** The one rendering path of "Compare with ground truth": TP/FP/FN instead of the overlay. */
function paintCompare(visible: boolean[]): void {
  const masks = comparing() ? truth!.masks : undefined;
  if (!masks || !result) {
    stage.setCompareLayer(undefined);
    return;
  }
  if (!compareLayer || compareLayer.width !== result.width || compareLayer.height !== result.height)
    compareLayer = new CompareLayer(result.width, result.height);
  const minByte = minByteFor(threshold());
  compareLayer.update(
    result.targets.flatMap((t, i) => {
      const m = masks.get(t.target);
      return m ? [{ pred: t.mask, truth: m, visible: visible[i] }] : [];
    }),
    minByte,
  );
  stage.setCompareLayer(compareLayer.canvas);
}

function comparing(): boolean {
  return compareOn && !!truth && !!result && truth.resultId === result.id && result.kind === 'parse';
}

/** Repaints after a control change, synchronously, and records how long it took. */
function repaintNow(): void {
  const t0 = performance.now();
  repaintOverlay();
  updateAnnotations();
  const t1 = performance.now();
  stage.render();
  lastRepaintMs = performance.now() - t0;
  repaintTimings = {
    ...(overlay?.timings ?? { compose: 0, paint: 0, put: 0 }),
    draw: performance.now() - t1,
    kind: overlay?.lastKind ?? 'none',
  };
  updateLegend();
}

function updateAnnotations(): void {
  if (!overlay || !overlayShown) {
    stage.setAnnotations({ boxes: [], labels: [] });
    return;
  }
  const boxes: { x: number; y: number; width: number; height: number; color: string }[] = [];
  const labels: { x: number; y: number; text: string; color: string; area: number }[] = [];
  const minByte = minByteFor(threshold());
  entries.forEach((e, i) => {
    if (!isVisible(e.target, e.status, ui.visibility, settings.likelyAbsentDisplay)) return;
    const color = entryColors[i];
    if (ui.showBoxes) for (const c of shownComponents(i, minByte)) boxes.push({ ...c.bbox, color });
    if (result?.kind === 'recognition' && e.centroid)
      labels.push({ ...e.centroid, text: e.target, color, area: shownArea(overlay!.layers[i], minByte) });
  });
  // The largest objects keep their labels on them; smaller neighbours' labels move aside.
  labels.sort((a, b) => b.area - a.area);
  stage.setAnnotations({ boxes, labels });
}

/** Layer i's objects at the threshold on screen (the host's components are those at 0.5). */
function shownComponents(i: number, minByte: number): DetectedComponent[] {
  return instances ? instances.at(i, minByte) : entries[i].components;
}

function legendRows(): LegendRow[] {
  if (!overlay) return [];
  const minByte = minByteFor(threshold());
  const volume = result?.volumeId && result.volumeId === volumeSummary?.id ? volumeSummary : undefined;
  return entries.map((e, i) => {
    const figures = volume?.targets.find((t) => t.target === e.target);
    return {
      target: e.target,
      label: e.label,
      status: e.status,
      pValue: e.pValue,
      areaPixels: shownArea(overlay!.layers[i], minByte),
      instances: shownComponents(i, minByte).length,
      color: entryColors[i],
      visible: isVisible(e.target, e.status, ui.visibility, settings.likelyAbsentDisplay),
      dimmed: isDimmed(e.status, settings.likelyAbsentDisplay),
      ...(figures ? { volume: volumeLine(figures) } : {}),
      ...diceOf(i, minByte),
    };
  });
}

/**
 * Scrolls the side panel so the results (heading, controls, whole legend) fill it from the top:
 * after a run they sit below the picker, out of sight on a 1000 px high window. The panel gets
 * just enough room below its end for the results to reach the top, as an editor scrolls past
 * its last line.
 */
function revealResultsInPanel(): void {
  panel.style.paddingBottom = '';
  const room = panel.clientHeight - results.root.offsetHeight - 24;
  if (room > 16) panel.style.paddingBottom = `${room}px`;
  results.reveal();
}

/** Target i's Dice against its ground truth, while comparing. */
function diceOf(i: number, minByte: number): { dice?: number; volumeDice?: number } {
  const t = result?.targets[i];
  const m = t && comparing() ? truth!.masks.get(t.target) : undefined;
  return m && t ? { dice: diceAt(t.mask, m, minByte), volumeDice: truth!.volumeDice.get(t.target) } : {};
}

let legendTimer = 0;
/** A new result arrived: bring the results into view once its legend rows are built. */
let revealResults = false;
function updateLegend(): void {
  // Areas change with the threshold; rebuild the rows after the slider settles, not per step.
  clearTimeout(legendTimer);
  legendTimer = window.setTimeout(() => {
    if (!overlayShown || !result) return;
    results.setLegend(legendRows(), image?.pixelSpacing, result.kind);
    if (revealResults) revealResultsInPanel();
    revealResults = false;
  }, 60);
}

// ---- Runs ----

function newRunId(): string {
  return `run-${Date.now().toString(36)}-${++runCounter}`;
}

/** A viewer command (keyboard shortcut or palette) does what its button or slider does. */
function invoke(action: ViewerAction): void {
  switch (action) {
    case 'run':
      return startRun();
    case 'export':
      if (result) post({ type: 'export', resultId: result.id });
      return;
  }
  // VS Code receives every key pressed in the webview, also those meant for a field here: Home in
  // the search box, PageDown on the slider. A key typed into a field stays the field's; from the
  // palette (this document has no focus then) the command always steps.
  if (document.hasFocus() && isField(document.activeElement)) return;
  if (action === 'previousSlice') toolbar.stepSlice(-1);
  else if (action === 'nextSlice') toolbar.stepSlice(1);
  else if (action === 'firstSlice') toolbar.stepSlice('first');
  else toolbar.stepSlice('last');
}

/** Whether keys pressed in `element` are its own (text fields, sliders, lists, editable text). */
function isField(element: Element | null): boolean {
  // The toolkit's fields are custom elements holding the real input in their shadow root.
  const target = element?.shadowRoot?.activeElement ?? element;
  if (!target) return false;
  if (target instanceof HTMLElement && target.isContentEditable) return true;
  return (
    ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) ||
    /^VSCODE-(TEXTFIELD|TEXTAREA|SINGLE-SELECT|MULTI-SELECT)$/.test(target.tagName)
  );
}

function startRun(): void {
  if (!picker || !endpoint?.canSend || run.phase !== 'idle') return;
  const v = picker.current;
  if (v.selection.length === 0) return;
  if (image?.plane && !image.plane.acquired) {
    runPanel.showError(
      {
        message: l10n.t(
          'Parsing runs on the slices as acquired ({0}), not on a {1} reformat: switch back to the {2} plane ({3}) to run, or use Run on volume.',
          image.plane.planes[0],
          image.plane.name,
          image.plane.planes[0],
          image.plane.planes[0][0].toUpperCase(),
        ),
      },
      l10n.t('Not on a reformat'),
    );
    return;
  }
  const runId = newRunId();
  runPanel.showError(undefined);
  setRun({ type: 'start', runId, kind: 'parse' });
  post({ type: 'saveSelection', modality: v.modality, targets: v.selection });
  lastSelection[v.modality] = v.selection;
  post({
    type: 'run',
    runId,
    prompts: v.selection,
    modality: v.modality,
    site: v.site,
    ctWindow: picker.effectiveCtWindow(),
  });
}

/** Whole-volume run: the picker's targets over the chosen acquisition slices (or the 3D model). */
function startVolumeRun(mode: VolumeMode, range: [number, number] | undefined): void {
  if (!picker || !endpoint?.canSend || run.phase !== 'idle') return;
  const v = picker.current;
  if (v.selection.length === 0) return;
  const runId = newRunId();
  runPanel.showError(undefined);
  setRun({ type: 'start', runId, kind: 'volume' });
  post({ type: 'saveSelection', modality: v.modality, targets: v.selection });
  lastSelection[v.modality] = v.selection;
  post({
    type: 'runVolume',
    runId,
    prompts: v.selection,
    mode,
    ...(range ? { range } : {}),
    modality: v.modality,
    site: v.site,
    ctWindow: picker.effectiveCtWindow(),
  });
}

/** The volume panel's Run: enabled when a single run could start, with the same reasons. */
function refreshVolumeRun(): void {
  const hasPrompts = (picker?.current.selection.length ?? 0) > 0;
  const why = !endpoint?.canSend
    ? (endpoint?.reason ?? l10n.t('No endpoint can be used right now.'))
    : !hasPrompts
      ? l10n.t('Choose at least one target to parse the volume.')
      : '';
  volumePanel.setCanRun(!!endpoint?.canSend && hasPrompts && run.phase === 'idle', why);
}

/** Takes a whole-volume result's share off the image (the volume result is gone). */
function dropVolumeShare(): void {
  if (!result?.volumeId) return;
  result = undefined;
  overlay = undefined;
  entries = [];
  attachOverlay();
}

function startRecognize(): void {
  if (!picker || !endpoint?.canSend || run.phase !== 'idle') return;
  const v = picker.current;
  const key = modalityKeyFor(v.modality, v.site);
  if (!key) return;
  const runId = newRunId();
  runPanel.showError(undefined);
  setRun({ type: 'start', runId, kind: 'recognition' });
  post({ type: 'recognize', runId, modalityKey: key });
}

/** The note under the modality: where the modality shown came from, and how sure a guess is. */
function suggestionNote(img: ViewerImage, restored: boolean): string {
  const s = img.suggestion;
  if (restored || !s.source || s.source === 'file') return '';
  const where = `${picker?.current.modality ?? s.modality} · ${picker?.current.site ?? s.site}`;
  if (s.source === 'remembered') return l10n.t('Your earlier choice for this file: {0}.', where);
  return l10n.t(
    'Guessed from the image: {0} ({1}; {2}). Not right? Pick the modality and site: this file opens with your choice next time.',
    where,
    confidenceWords(s.confidence ?? 0),
    s.reason ?? l10n.t('no detail'),
  );
}

function onPickerChange(v: PickerValue, why: 'modality' | 'site' | 'selection' | 'ctWindow'): void {
  // The user corrected the modality or site: the host remembers it for this file.
  if (why === 'modality' || why === 'site') {
    post({ type: 'rememberModality', modality: v.modality, site: v.site });
    picker?.setSuggestionNote(
      l10n.t('Your choice for this file: {0} · {1} (remembered for next time).', v.modality, v.site),
    );
  }
  if (why === 'modality')
    dispatch({ type: 'modality', modality: v.modality, site: v.site, selection: v.selection });
  else if (why === 'site') dispatch({ type: 'site', site: v.site });
  else if (why === 'ctWindow') dispatch({ type: 'ctWindow', value: v.ctWindow });
  else dispatch({ type: 'selection', selection: v.selection, modality: v.modality });
  runPanel.setHasPrompts(v.selection.length > 0);
  runPanel.setRecognizeKey(modalityKeyFor(v.modality, v.site));
  refreshVolumeRun();
}

function createPicker(img: ViewerImage): void {
  const restored =
    ui.modality && CATALOGUE_MODALITIES.includes(ui.modality)
      ? { modality: ui.modality, site: ui.site ?? '' }
      : initialChoice(img.suggestion);
  // Remembered selections (what was last run, in any viewer) only seed a viewer that has none of
  // its own; a viewer's own selection, even an empty one, is never replaced by another's.
  const selection = startingSelection(ui, restored.modality, lastSelection);
  picker = new Picker(
    { modality: restored.modality, site: restored.site, selection, ctWindow: ui.ctWindow },
    (v, why) => {
      // Switching modality brings back this viewer's own selection for it, else the remembered one.
      if (why === 'modality' && picker) {
        picker.setSelection(selectionForModality(ui, v.modality, v.selection, lastSelection));
        v = picker.current;
      }
      onPickerChange(v, why);
    },
  );
  pickerHost.replaceChildren(picker.root);
  picker.setSuggestionNote(suggestionNote(img, restored.modality === ui.modality && !!ui.modality));
  onPickerChange(picker.current, 'selection');
}

// ---- Host messages ----

function handle(m: HostMessage): void {
  switch (m.type) {
    case 'init':
      dispatch({ type: 'stateKey', value: m.stateKey });
      settings = { ...DEFAULT_SETTINGS, ...m.settings };
      endpoint = m.endpoint;
      lastSelection = { ...m.lastSelection };
      runPanel.setEndpoint(m.endpoint);
      volumePanel.setModes(m.endpoint.volumeModes);
      results.setControls(ui.threshold, ui.opacity, ui.style, ui.showBoxes);
      showImage(m.image, true);
      if (!picker) createPicker(m.image);
      if (m.result) showResult(m.result);
      else if (ui.resultId) post({ type: 'restoreResult', resultId: ui.resultId });
      document.body.dataset.ready = 'true';
      break;
    case 'image':
      showImage(m.image, false);
      // Each image of a volume brings its share of the volume result.
      if (m.result) showResult(m.result);
      else dropVolumeShare();
      break;
    case 'volumeResult':
      volumeSummary = m.summary;
      volumePanel.setSummary(m.summary);
      if (!m.summary) dropVolumeShare();
      if (m.runId && m.runId === run.runId && m.summary) {
        const n = m.summary.targets.length;
        setRun({
          type: 'finished',
          runId: m.runId,
          message:
            n === 1 ? l10n.t('Done: the volume, 1 target.') : l10n.t('Done: the volume, {0} targets.', n),
        });
      }
      updateLegend();
      break;
    case 'endpoint':
      endpoint = m.endpoint;
      runPanel.setEndpoint(m.endpoint);
      volumePanel.setModes(m.endpoint.volumeModes);
      refreshVolumeRun();
      break;
    case 'settings': {
      const previous = settings;
      settings = { ...DEFAULT_SETTINGS, ...m.settings };
      dispatch({ type: 'settings', previous, next: settings });
      results.setControls(ui.threshold, ui.opacity, ui.style, ui.showBoxes);
      repaintNow();
      break;
    }
    case 'runStarted':
      // Started elsewhere (History's Run Again, a Targets command): shown, and cancellable, as
      // the viewer's own; the Run buttons wait for it.
      runPanel.showError(undefined);
      setRun({ type: 'start', runId: m.runId, kind: m.kind });
      break;
    case 'runProgress':
      setRun({ type: 'progress', runId: m.runId, message: m.message, increment: m.increment });
      break;
    case 'runResult':
      if (m.runId !== run.runId) return;
      setRun({
        type: 'finished',
        runId: m.runId,
        message:
          m.result.kind === 'recognition'
            ? l10n.t('Done: {0} objects labelled.', m.result.labels?.length ?? 0)
            : m.result.targets.length === 1
              ? l10n.t('Done: 1 target.')
              : l10n.t('Done: {0} targets.', m.result.targets.length),
      });
      showResult(m.result);
      revealResults = true;
      break;
    case 'runError':
      if (m.runId !== run.runId) return;
      // A run the user cancelled is not a failure: say so plainly, without the error box.
      if (m.cancelled) {
        setRun({ type: 'finished', runId: m.runId, message: m.error.message || l10n.t('Cancelled.') });
        break;
      }
      setRun({ type: 'finished', runId: m.runId, message: l10n.t('The run did not finish.') });
      runPanel.showError(m.error);
      break;
    case 'showResult':
      showResult(m.result);
      revealResults = true;
      break;
    case 'addTargets':
      picker?.addTargets(m.targets, m.modality, m.site);
      break;
    case 'exported':
      runPanel.setRun({
        ...run,
        message:
          m.files.length === 1
            ? l10n.t('Exported 1 file to {0}.', m.folder)
            : l10n.t('Exported {0} files to {1}.', m.files.length, m.folder),
      });
      break;
    case 'exportError':
      runPanel.showError(m.error, l10n.t('Export failed'));
      break;
    case 'requestScreenshot':
      stage
        .screenshot()
        .then((png) => post({ type: 'screenshot', requestId: m.requestId, png }))
        .catch((e: unknown) => {
          messenger.log('error', `Screenshot failed: ${e instanceof Error ? e.message : String(e)}`);
          post({ type: 'screenshot', requestId: m.requestId, png: null });
        });
      break;
    case 'groundTruth':
      if (!result || m.resultId !== result.id) break;
      truth = {
        resultId: m.resultId,
        masks: new Map(m.targets.map((t) => [t.target, t.mask])),
        volumeDice: new Map(
          m.targets.flatMap((t) => (t.volumeDice === undefined ? [] : [[t.target, t.volumeDice] as const])),
        ),
      };
      results.setCompare(true, compareOn);
      repaintNow();
      break;
    case 'invoke':
      invoke(m.action);
      break;
    default: {
      const never: never = m;
      void never;
    }
  }
}

messenger.listen(handle);

// ---- Test hook (read-only) ----

const hook = Object.freeze({
  state: () =>
    JSON.parse(
      JSON.stringify({
        ready: !!image,
        image: image && {
          fileName: image.fileName,
          format: image.format,
          width: image.width,
          height: image.height,
          channels: image.channels,
          slice: image.slice,
          frame: image.frame,
          suggestion: image.suggestion,
          burnedInAnnotation: image.burnedInAnnotation,
          orientation: image.orientation,
          warnings: image.warnings,
          plane: image.plane,
          cellAspect: image.cellAspect,
        },
        volume: volumeSummary,
        display: stage.displayTransform,
        ui,
        picker: picker?.current,
        run,
        endpoint,
        settings,
        overlayShown,
        compare: { available: !!truth && truth.resultId === result?.id, on: comparing() },
        result: result && {
          id: result.id,
          kind: result.kind,
          source: result.source,
          targets: legendRows().map((r) => ({
            target: r.target,
            label: r.label,
            status: r.status,
            pValue: r.pValue,
            visible: r.visible,
            dimmed: r.dimmed,
            areaPixels: r.areaPixels,
            instances: r.instances,
            color: r.color,
            dice: r.dice,
            description: describeRow(r, image?.pixelSpacing),
          })),
        },
        view: stage.view,
        lastRepaintMs,
        repaintTimings,
        renderer: RENDERER,
      }),
    ),
  canvasPixel: (x: number, y: number): [number, number, number, number] | undefined => {
    const base = stage.displayedRgb(Math.floor(x), Math.floor(y));
    if (!base) return undefined;
    if (!overlay || !overlayShown) return [...base, 255];
    const px = overlay.pixelAt(Math.floor(x), Math.floor(y));
    const o = stage.overlayOpacities();
    const withFill = compositeOver(base, px.fill, o.fill);
    return compositeOver([withFill[0], withFill[1], withFill[2]], px.line, o.line);
  },
  imageToScreen: (x: number, y: number): [number, number] => stage.imageToClient(x, y),
  /** Recognition labels as last drawn on the canvas: text, box (stage CSS pixels), leader line. */
  labels: () => stage.drawnLabels.map((l) => ({ ...l })),
});
(window as unknown as { __medimageparseViewer: typeof hook }).__medimageparseViewer = hook;

window.addEventListener('pagehide', persistNow);
window.addEventListener('error', (e) => messenger.log('error', `Viewer error: ${e.message}`));
persistNow();
post({ type: 'ready', viewerId: ui.viewerId });
