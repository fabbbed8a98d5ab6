/**
 * The viewer's small, persistable UI state and the pure reducer that changes it. This is what
 * goes into `vscode.setState`: ids, numbers and names only, never masks or pixels (those come
 * back from the host through `restoreResult` → `showResult`).
 */
import { VIEWER_ID, type RunKind, type TargetStatus, type ViewerSettings } from '../src/shared/protocol';
import type { MaskStyle } from './layers';
import type { SavedView } from './viewTransform';
import type { DisplayWindow } from './windowing';
import * as l10n from '@vscode/l10n';

export interface UiState {
  version: 1;
  /** This viewer's own random id, made once: the host remembers the viewer's last result by it. */
  viewerId?: string;
  /** The host's opaque id of the file: lets a panel restored after a reload reopen it. */
  stateKey?: string;
  resultId?: string;
  view?: SavedView;
  threshold: number;
  opacity: number;
  style: MaskStyle;
  /** Visibility the user chose per target; targets not listed follow their status. */
  visibility: Record<string, boolean>;
  showBoxes: boolean;
  /** The prompts picked in this viewer (never another viewer's: each webview keeps its own state). */
  selection: string[];
  /** This viewer's own selection per modality, so switching modality and back restores it. */
  selections: Record<string, string[]>;
  /** The selection is this viewer's own (even if empty): remembered ones no longer seed it. */
  ownSelection: boolean;
  modality?: string;
  site?: string;
  /** Model-input CT window chosen by the user; undefined = follow the site. */
  ctWindow?: string;
  /** Display window (DICOM/NIfTI); undefined = the image's default. */
  window?: DisplayWindow;
}

export type UiAction =
  | { type: 'threshold'; value: number }
  | { type: 'opacity'; value: number }
  | { type: 'style'; value: MaskStyle }
  | { type: 'visibility'; target: string; visible: boolean }
  | { type: 'showBoxes'; value: boolean }
  | { type: 'result'; resultId: string | undefined }
  | { type: 'stateKey'; value: string }
  | { type: 'view'; view: SavedView }
  /** `modality`: the picker's modality, under which this viewer remembers the selection. */
  | { type: 'selection'; selection: string[]; modality?: string }
  | { type: 'modality'; modality: string; site: string; selection?: string[] }
  | { type: 'site'; site: string }
  | { type: 'ctWindow'; value: string | undefined }
  | { type: 'window'; value: DisplayWindow | undefined }
  /** New settings from the host: follow them unless the user moved that control. */
  | { type: 'settings'; previous: ViewerSettings; next: ViewerSettings };

const MAX_REMEMBERED_MODALITIES = 32;

function remember(
  all: Record<string, string[]>,
  modality: string,
  selection: string[],
): Record<string, string[]> {
  const { [modality]: _previous, ...rest } = all;
  void _previous;
  // Most recent last; the oldest modality goes first when the (small) bound is reached.
  return Object.fromEntries(
    [...Object.entries(rest), [modality, [...selection]]].slice(-MAX_REMEMBERED_MODALITIES),
  );
}

/**
 * The selection a viewer starts with: its own once it has one (even an empty one: the user may
 * have cleared it), otherwise, for a new viewer only, what was last run for the modality.
 */
export function startingSelection(
  ui: UiState,
  modality: string,
  remembered: Record<string, string[]>,
): string[] {
  if (ui.ownSelection) return [...ui.selection];
  return [...(remembered[modality] ?? [])];
}

/**
 * The selection after switching this viewer to `modality`: its own for that modality if it had
 * one; else what was last run for it (a seed, as for a new viewer); else the current one.
 */
export function selectionForModality(
  ui: UiState,
  modality: string,
  current: string[],
  remembered: Record<string, string[]>,
): string[] {
  return [...(ui.selections[modality] ?? remembered[modality] ?? current)];
}

const clamp01 = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0.5);

export function initialUiState(settings: ViewerSettings): UiState {
  return {
    version: 1,
    threshold: clamp01(settings.maskThreshold),
    opacity: clamp01(settings.maskOpacity),
    style: settings.maskStyle,
    visibility: {},
    showBoxes: false,
    selection: [],
    selections: {},
    ownSelection: false,
  };
}

/** A new viewer id: 24 random hex digits. */
export function newViewerId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function reduceUi(s: UiState, a: UiAction): UiState {
  switch (a.type) {
    case 'threshold':
      return { ...s, threshold: clamp01(a.value) };
    case 'opacity':
      return { ...s, opacity: clamp01(a.value) };
    case 'style':
      return { ...s, style: a.value };
    case 'visibility':
      return { ...s, visibility: { ...s.visibility, [a.target]: a.visible } };
    case 'showBoxes':
      return { ...s, showBoxes: a.value };
    case 'stateKey':
      return a.value === s.stateKey ? s : { ...s, stateKey: a.value };
    case 'result':
      // A new result starts with every target at its default visibility.
      return a.resultId === s.resultId ? s : { ...s, resultId: a.resultId, visibility: {} };
    case 'view':
      return { ...s, view: a.view };
    case 'selection':
      return {
        ...s,
        selection: [...a.selection],
        selections: a.modality ? remember(s.selections, a.modality, a.selection) : s.selections,
        ownSelection: true,
      };
    case 'modality': {
      const selection = a.selection ? [...a.selection] : s.selection;
      return {
        ...s,
        modality: a.modality,
        site: a.site,
        ctWindow: undefined,
        selection,
        selections: remember(s.selections, a.modality, selection),
        ownSelection: true,
      };
    }
    case 'site':
      return { ...s, site: a.site };
    case 'ctWindow':
      return { ...s, ctWindow: a.value };
    case 'window':
      return { ...s, window: a.value };
    case 'settings': {
      const { previous: p, next: n } = a;
      return {
        ...s,
        threshold: s.threshold === p.maskThreshold ? clamp01(n.maskThreshold) : s.threshold,
        opacity: s.opacity === p.maskOpacity ? clamp01(n.maskOpacity) : s.opacity,
        style: s.style === p.maskStyle ? n.maskStyle : s.style,
      };
    }
    default: {
      const never: never = a;
      return never;
    }
  }
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown, max = 500): v is string => typeof v === 'string' && v.length <= max;
const stringList = (v: unknown[]): string[] => v.filter((t): t is string => isStr(t)).slice(0, 64);

/**
 * Reads state saved by an earlier session, keeping only well-formed fields: the saved blob may
 * come from an older version of the viewer.
 */
export function restoreUiState(raw: unknown, settings: ViewerSettings): UiState {
  const s = initialUiState(settings);
  if (typeof raw !== 'object' || raw === null) return s;
  const r = raw as Record<string, unknown>;
  if (r.version !== 1) return s;
  if (isStr(r.resultId, 100)) s.resultId = r.resultId;
  if (isStr(r.stateKey, 100)) s.stateKey = r.stateKey;
  if (typeof r.viewerId === 'string' && VIEWER_ID.test(r.viewerId)) s.viewerId = r.viewerId;
  if (isNum(r.threshold)) s.threshold = clamp01(r.threshold);
  if (isNum(r.opacity)) s.opacity = clamp01(r.opacity);
  if (r.style === 'fill' || r.style === 'outline' || r.style === 'both') s.style = r.style;
  if (typeof r.showBoxes === 'boolean') s.showBoxes = r.showBoxes;
  if (typeof r.visibility === 'object' && r.visibility !== null) {
    for (const [k, v] of Object.entries(r.visibility as Record<string, unknown>))
      if (typeof v === 'boolean' && k.length <= 500) s.visibility[k] = v;
  }
  if (Array.isArray(r.selection)) s.selection = stringList(r.selection);
  // State saved before this flag existed had a selection of its own whenever it had one at all.
  s.ownSelection = typeof r.ownSelection === 'boolean' ? r.ownSelection : Array.isArray(r.selection);
  if (typeof r.selections === 'object' && r.selections !== null) {
    for (const [k, v] of Object.entries(r.selections as Record<string, unknown>).slice(
      -MAX_REMEMBERED_MODALITIES,
    ))
      if (k.length <= 100 && Array.isArray(v)) s.selections[k] = stringList(v);
  }
  if (isStr(r.modality, 100)) s.modality = r.modality;
  if (isStr(r.site, 100)) s.site = r.site;
  if (isStr(r.ctWindow, 100)) s.ctWindow = r.ctWindow;
  const v = r.view as Record<string, unknown> | undefined;
  if (v && typeof v.fit === 'boolean' && isNum(v.scale) && isNum(v.cx) && isNum(v.cy))
    s.view = { fit: v.fit, scale: v.scale, cx: v.cx, cy: v.cy };
  const w = r.window as Record<string, unknown> | undefined;
  if (w && isNum(w.lower) && isNum(w.upper) && w.upper > w.lower)
    s.window = { lower: w.lower, upper: w.upper };
  return s;
}

/** Whether a target's mask is drawn: the user's choice, else hidden only when likely absent and the setting says hide. */
export function isVisible(
  target: string,
  status: TargetStatus,
  visibility: Record<string, boolean>,
  likelyAbsentDisplay: ViewerSettings['likelyAbsentDisplay'],
): boolean {
  const chosen = visibility[target];
  if (chosen !== undefined) return chosen;
  return !(status === 'likely-absent' && likelyAbsentDisplay === 'hide');
}

export function isDimmed(
  status: TargetStatus,
  likelyAbsentDisplay: ViewerSettings['likelyAbsentDisplay'],
): boolean {
  return status === 'likely-absent' && likelyAbsentDisplay === 'dim';
}

// ---- Runs ----

export interface RunState {
  phase: 'idle' | 'running' | 'cancelling';
  runId?: string;
  kind?: RunKind;
  message: string;
  /** Progress in percent when the host reports increments. */
  progress?: number;
}

export type { RunKind };

export type RunAction =
  | { type: 'start'; runId: string; kind: RunKind }
  | { type: 'progress'; runId: string; message: string; increment?: number }
  | { type: 'cancel' }
  | { type: 'finished'; runId: string; message: string };

export const IDLE_RUN: RunState = { phase: 'idle', message: '' };

/** Host messages about a run other than the current one are stale and ignored. */
export function reduceRun(s: RunState, a: RunAction): RunState {
  switch (a.type) {
    case 'start':
      return {
        phase: 'running',
        runId: a.runId,
        kind: a.kind,
        message:
          a.kind === 'recognition'
            ? l10n.t('Recognizing…')
            : a.kind === 'volume'
              ? l10n.t('Parsing the volume…')
              : l10n.t('Running…'),
        progress: 0,
      };
    case 'progress':
      if (s.phase === 'idle' || a.runId !== s.runId) return s;
      return {
        ...s,
        message: a.message,
        progress:
          a.increment !== undefined
            ? Math.min(100, (s.progress ?? 0) + Math.max(0, a.increment))
            : s.progress,
      };
    case 'cancel':
      return s.phase === 'running' ? { ...s, phase: 'cancelling', message: l10n.t('Cancelling…') } : s;
    case 'finished':
      if (a.runId !== s.runId) return s;
      return { phase: 'idle', message: a.message };
    default: {
      const never: never = a;
      return never;
    }
  }
}
