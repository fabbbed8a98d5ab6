import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SourceImage } from '../imaging';
import {
  parseWebviewMessage,
  type HostMessage,
  type ParseResult,
  type RunKind,
  type ViewerAction,
  type ViewerImage,
  type WebviewMessage,
} from '../shared/protocol';
import { Disposable } from '../vscode/disposable';
import { volumeCache } from '../imaging/volumeCache';
import { findTruthBesideImage } from '../evaluate/truthBesideImage';
import { targetKey } from '../evaluate/discover';
import { volumePlanes } from '../imaging/reformat';
import {
  findTruthBesideVolume,
  truthOnPlane,
  volumeAgreement,
  type VolumeTruthTarget,
} from '../evaluate/volumeTruth';
import type { ViewerServices } from './viewerServices';
import { buildViewerHtml, viewerResourceRoots } from './webviewHtml';
import { viewerDefaultWindow } from './viewerWindow';
import { suggestionForImage, type ModalityChoice } from './modalitySuggestion';
import { briefUserError, RunBusyError, toUserError, UserCancelledError } from '../vscode/userError';
import type { PlaneName } from '../shared/orientation';
import { VolumeViewer } from './volumeViewer';
import type { VolumeRecord } from '../history/volumeRecord';
import type { VolumeRun } from '../pipeline/volumeView';
import type { VolumeRunRequest } from '../vscode/volumeRunner';
import {
  chooseSeries,
  fileSource,
  imageOrientation,
  isFolder,
  seriesSource,
  type SliceSource,
} from './sliceSource';

/** The viewer image sent to the webview: full-fidelity pixels, file name only, no tags. */
export function toViewerImage(
  image: SourceImage,
  source?: SliceSource,
  /** The user's modality choice for this file, when there is one. */
  remembered?: ModalityChoice,
): ViewerImage {
  const orientation = source ? source.orientation(image) : imageOrientation(image);
  const warnings = [...(source?.warnings ?? []), ...(image.warnings ?? [])];
  return {
    fileName: path.basename(image.file),
    format: image.format,
    width: image.width,
    height: image.height,
    channels: image.channels,
    pixels: image.pixels,
    range: image.range,
    defaultWindow: viewerDefaultWindow(image),
    ...(image.bitsStored !== undefined ? { bitsStored: image.bitsStored } : {}),
    pixelSpacing: image.pixelSpacing,
    slice: image.slice,
    frame: image.frame,
    suggestion: suggestionForImage(image, remembered),
    burnedInAnnotation: image.burnedInAnnotation,
    ...(orientation ? { orientation } : {}),
    ...(warnings.length ? { warnings } : {}),
    ...(image.unit ? { unit: image.unit } : {}),
  };
}

/** What a run on one image asks for, besides the image: a parse's prompts, or a recognition. */
export type ImageRunRequest =
  | { kind: 'parse'; prompts: string[]; modality?: string; site?: string; ctWindow?: string }
  | { kind: 'recognition'; modalityKey: string };

/**
 * One viewer webview (panel or custom editor) for one image file or DICOM series folder (its
 * sorted slices are the slice slider's steps): loads the image, answers the
 * webview's messages (validated first), runs parses with progress and cancellation, and keeps
 * the result with the image so that a reload restores it without calling the endpoint again.
 */
export class ViewerController extends Disposable {
  /** The run in progress here, whoever started it (the panel, History, a command): one at a time. */
  private active?: { runId: string; kind: RunKind; abort: AbortController; message?: string };
  private readonly screenshotWaiters = new Map<string, (png: Uint8Array | null) => void>();
  private image?: SourceImage;
  /** Counts slice and frame requests, so that only the latest one's image is shown. */
  private sliceRequests = 0;
  private slice?: number;
  private frame?: number;
  private ready = false;
  /** The webview's own id (from its saved state), once it said `ready`. */
  private viewerId?: string;
  /** whenReady's callers: resolved once the image is shown, rejected if it never will be. */
  private readonly readyWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  /** Why the image could not be shown (the viewer shows it too); whenReady rejects with it. */
  private loadError?: Error;
  /** The result on screen, for exports and for restoring. */
  currentResult?: ParseResult;
  /**
   * With a whole-volume result on screen too: whether `currentResult` (a single slice's) came
   * after it, so it is the one shown on its slice (see onRun).
   */
  private ownOverVolume = false;
  /** A volume result handed to this viewer (History) before its webview was ready. */
  private pendingVolume?: VolumeRecord;
  /** Types of the messages posted, most recent last (bounded): lets integration tests see the round trip. */
  readonly posted: HostMessage['type'][] = [];
  private readonly postedEmitter = this._register(new vscode.EventEmitter<HostMessage>());
  /** Every message sent to the webview (tests check that no secret ever travels there). */
  readonly onDidPost = this.postedEmitter.event;

  constructor(
    readonly uri: vscode.Uri,
    readonly webviewPanel: vscode.WebviewPanel,
    private readonly services: ViewerServices,
    private pendingResult?: ParseResult,
    /** What to show; by default the file at `uri`, or the largest series when it is a folder. */
    source?: SliceSource,
  ) {
    super();
    this.seriesUid = source?.series?.seriesInstanceUid;
    if (source) this.source = Promise.resolve(source);
    const webview = webviewPanel.webview;
    webview.options = { enableScripts: true, localResourceRoots: viewerResourceRoots(services.extensionUri) };
    webview.html = buildViewerHtml(
      webview,
      services.extensionUri,
      services.viewerSettings(),
      path.basename(uri.fsPath),
    );
    this._register(webview.onDidReceiveMessage((raw) => this.onMessage(raw)));
    this._register(webviewPanel.onDidDispose(() => this.dispose()));
    this._register(
      services.endpoints.onDidChange(() =>
        this.post({ type: 'endpoint', endpoint: this.services.endpointSummary() }),
      ),
    );
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (
          e.affectsConfiguration('medimageparse.viewer') ||
          e.affectsConfiguration('medimageparse.analysis')
        ) {
          this.post({ type: 'settings', settings: this.services.viewerSettings() });
        }
      }),
    );
  }

  /** A viewer command from a keyboard shortcut or the palette: the webview acts as its button would. */
  invoke(action: ViewerAction): void {
    if (this.ready) this.post({ type: 'invoke', action });
  }

  override dispose(): void {
    if (!this.ready)
      this.failReady(
        new Error(
          vscode.l10n.t(
            'The viewer of {0} was closed before it showed the image.',
            path.basename(this.uri.fsPath),
          ),
        ),
      );
    this.volumeView.dispose();
    this.volumeWindowAbort.abort();
    this.active?.abort.abort();
    // A closed viewer browses no more slices: its volume's memory goes back at once.
    volumeCache.forget(this.uri.fsPath);
    super.dispose();
  }

  /**
   * Resolves once the webview has said `ready` and received `init`; rejects when that cannot
   * happen (the file cannot be read, or the viewer is closed first), so a caller waiting to run
   * something in it (History's Run Again) ends with that error instead of waiting for good.
   */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.loadError) return Promise.reject(this.loadError);
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  private failReady(error: Error): void {
    this.loadError ??= error;
    this.readyWaiters.splice(0).forEach((w) => w.reject(error));
  }

  post(message: HostMessage): void {
    if (this.isDisposed) return;
    this.posted.push(message.type);
    if (this.posted.length > 50) this.posted.shift();
    this.postedEmitter.fire(message);
    void this.webviewPanel.webview.postMessage(message);
    const shown =
      message.type === 'init' || message.type === 'runResult' || message.type === 'showResult'
        ? message.result
        : message.type === 'image' && message.result && this.volumeView.owns(message.result.id)
          ? message.result // a slice (or reformat) of the volume result on screen
          : undefined;
    if (shown) {
      this.shownResultId = shown.id;
      void this.sendGroundTruth(shown);
    }
  }

  /** Ground truth next to the image for the result's targets, if any, for "Compare with ground truth". */
  private async sendGroundTruth(result: ParseResult): Promise<void> {
    if (result.kind === 'parse' && this.volumeView.owns(result.id)) return this.sendVolumeGroundTruth(result);
    if (result.kind !== 'parse' || result.slice !== undefined || result.frame !== undefined) return;
    try {
      const found = await findTruthBesideImage(
        this.uri.fsPath,
        result.targets.map((t) => t.target),
        result.width,
        result.height,
      );
      if (found.length && this.currentResult?.id === result.id)
        this.post({
          type: 'groundTruth',
          resultId: result.id,
          targets: found.map((t) => ({ target: t.target, file: path.basename(t.file), mask: t.mask })),
        });
    } catch (error) {
      this.services.log.logger.warn(
        `Viewer of ${path.basename(this.uri.fsPath)}: no ground truth comparison (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }

  /** The result last sent to the webview with an image, so a late ground truth for another is dropped. */
  private shownResultId?: string;

  /** Ground truth beside the volume on the result's grid, with each target's volume-wide Dice; per volume result. */
  private volumeTruth?: {
    runId: string;
    hideLikelyAbsent: boolean;
    found: Promise<{ truth: VolumeTruthTarget[]; dice: Map<string, number> }>;
  };

  /**
   * "Compare with ground truth" on a slice (or reformatted image) of a whole-volume result: the
   * truth of that image, and each target's Dice over the whole volume for the legend.
   */
  private async sendVolumeGroundTruth(result: ParseResult): Promise<void> {
    const run = this.volumeView.current;
    const image = this.image;
    if (!run || !image || result.slice === undefined) return;
    try {
      const volume = await this.volumeView.volume(image);
      const shown = volume && this.volumeView.shown(volume);
      const plane =
        volume && volumePlanes(volume).find((p) => p.name === (result.plane ?? volumePlanes(volume)[0].name));
      if (!volume || !shown || !plane) return;
      const hide = this.volumeView.hideLikelyAbsent;
      if (this.volumeTruth?.runId !== run.id || this.volumeTruth.hideLikelyAbsent !== hide) {
        const found = (async () => {
          const { targets, warnings } = await findTruthBesideVolume(
            volume.input,
            shown.targets.map((t) => t.target),
            { dims: volume.dims, affine: volume.affine, seriesInstanceUid: volume.series?.seriesInstanceUid },
          );
          for (const w of warnings)
            this.services.log.logger.warn(`Ground truth for ${path.basename(volume.input)}: ${w}`);
          const agreement = volumeAgreement(shown.targets, targets, volume.dims);
          return { truth: targets, dice: new Map(agreement.map((a) => [a.target, a.dice])) };
        })();
        this.volumeTruth = { runId: run.id, hideLikelyAbsent: hide, found };
      }
      const { truth, dice } = await this.volumeTruth.found;
      if (truth.length === 0 || this.shownResultId !== result.id) return;
      this.post({
        type: 'groundTruth',
        resultId: result.id,
        targets: truth.map((t) => ({
          // The name the result uses for the target (the truth may spell it otherwise).
          target: result.targets.find((r) => targetKey(r.target) === targetKey(t.target))?.target ?? t.target,
          file: path.basename(t.file),
          mask: truthOnPlane(t.mask, volume, plane, result.slice!),
          volumeDice: dice.get(t.target),
        })),
      });
    } catch (error) {
      this.services.log.logger.warn(
        `Viewer of ${path.basename(this.uri.fsPath)}: no ground truth comparison for the volume result (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }

  /** Shows a result (from history or an explorer command) without calling the endpoint. */
  showResult(result: ParseResult): void {
    this.setCurrentResult(result);
    this.ownOverVolume = true;
    if (this.ready) this.post({ type: 'showResult', result });
    else this.pendingResult = result;
  }

  /** Shows a kept whole-volume result (History) on every slice and plane, without calling the endpoint. */
  async showVolumeRecord(record: VolumeRecord): Promise<void> {
    if (!this.ready) {
      this.pendingVolume = record;
      return;
    }
    try {
      const image = this.image ?? (await this.decodeImage());
      await this.volumeView.adopt(record, image);
      this.volumeAdopted(record.run);
      this.ownOverVolume = false;
      this.post({ type: 'volumeResult', summary: await this.volumeView.summary(image) });
      await this.postCurrentImage();
    } catch (error) {
      void vscode.window.showErrorMessage(briefUserError(error, this.services.log).message);
    }
  }

  /** Remembers the volume result on screen for this viewer (hides, Reload Window). */
  private volumeAdopted(run: VolumeRun): void {
    if (this.viewerId) void this.services.viewerResults.rememberVolume(this.viewerId, run.id);
  }

  addTargets(targets: string[], modality?: string, site?: string): void {
    this.post({ type: 'addTargets', targets, modality, site });
  }

  /** Asks the webview for a PNG of its composed overlay; null when it cannot make one. */
  requestScreenshot(timeoutMs = 10_000): Promise<Uint8Array | null> {
    const requestId = `s${Date.now()}${Math.random().toString(36).slice(2, 8)}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.screenshotWaiters.delete(requestId);
        resolve(null);
      }, timeoutMs);
      this.screenshotWaiters.set(requestId, (png) => {
        clearTimeout(timer);
        resolve(png);
      });
      this.post({ type: 'requestScreenshot', requestId });
    });
  }

  private source?: Promise<SliceSource>;
  /** The series shown when it was chosen on opening (a folder may hold several). */
  readonly seriesUid?: string;

  /** The file, or the series of the folder (headers read once, on first use). */
  private sliceSource(): Promise<SliceSource> {
    this.source ??= (async () => {
      const target = this.uri.fsPath;
      if (!(await isFolder(target))) return fileSource(target);
      const { series } = await chooseSeries(target);
      return seriesSource(target, series);
    })();
    // A failure (an unreadable folder) is not kept: the next request tries again.
    this.source.catch(() => (this.source = undefined));
    return this.source;
  }

  /** The DICOM series shown, when this viewer shows one. */
  async series(): Promise<SliceSource['series']> {
    return (await this.sliceSource()).series;
  }

  /** Decodes the current slice and frame, keeping the volume for the sliders' next requests. */
  private async decodeImage(): Promise<SourceImage> {
    return (await this.sliceSource()).open(this.slice, this.frame);
  }

  /** The image a result was made on (its slice and frame), e.g. to export it. */
  async openImageFor(slice: number | undefined, frame: number | undefined): Promise<SourceImage> {
    return (await this.sliceSource()).open(slice, frame);
  }

  /** The viewer image for `image`, with the source's orientation and warnings and the volume's window. */
  private async viewerImage(image: SourceImage): Promise<ViewerImage> {
    const viewerImage = {
      ...toViewerImage(image, await this.sliceSource(), this.services.runner.modalities.get(this.uri.fsPath)),
      ...(await this.volumeView.acquiredPlane(image).catch(() => ({}))),
    };
    return this.volumeWindow ? { ...viewerImage, defaultWindow: this.volumeWindow } : viewerImage;
  }

  /** The volume side: planes, reformats and the whole-volume result on screen. */
  private readonly volumeView = new VolumeViewer(() => this.sliceSource());
  /** The reformat shown (coronal, sagittal …), undefined on the acquisition plane. */
  private plane?: PlaneName;
  /** The last image index shown per reformat, so switching back returns to it. */
  private readonly planeIndex = new Map<PlaneName, number>();

  /**
   * What the webview shows now: the current acquisition slice or reformat image, with its share
   * of the whole-volume result when there is one.
   */
  private async currentView(): Promise<{ image: ViewerImage; result?: ParseResult }> {
    const acquired = this.image ?? (await this.decodeImage());
    if (this.plane) {
      const reformat = await this.volumeView.reformat(
        acquired,
        this.plane,
        this.planeIndex.get(this.plane),
        this.volumeWindow ?? (await this.viewerImage(acquired)).defaultWindow,
      );
      if (reformat) {
        this.planeIndex.set(this.plane, reformat.index);
        const result = await this.volumeView.resultFor(acquired, reformat.viewerImage);
        return { image: reformat.viewerImage, result };
      }
      this.plane = undefined;
    }
    const image = await this.viewerImage(acquired);
    return { image, result: this.resultOn(image, await this.volumeView.resultFor(acquired, image)) };
  }

  /**
   * What an acquisition image shows when the viewer has a volume result: its share of it, except
   * on the slice of a single-slice result made (or opened) after the volume one, which shows that.
   */
  private resultOn(image: ViewerImage, share: ParseResult | undefined): ParseResult | undefined {
    const own = this.currentResult;
    if (!this.volumeView.current || !own || own.volumeId || !this.ownOverVolume) return share;
    const sameImage = own.slice === image.slice?.index && own.frame === image.frame?.index;
    return sameImage && image.plane?.acquired !== false ? own : share;
  }

  /** Posts the current image (with its share of the volume result). */
  private async postCurrentImage(): Promise<void> {
    const { image, result } = await this.currentView();
    this.post({ type: 'image', image, ...(result ? { result } : {}) });
  }

  /** The whole volume's default window, once known (see SliceSource.volumeWindow). */
  private volumeWindow?: { lower: number; upper: number };
  private readonly volumeWindowAbort = new AbortController();

  /**
   * Works out the volume's window after the first slice is on screen (reading every slice takes
   * a moment), then shows the current slice with it; later slices get it straight away.
   */
  private async findVolumeWindow(): Promise<void> {
    try {
      const signal = this.volumeWindowAbort.signal;
      const window = await (await this.sliceSource()).volumeWindow(signal);
      if (!window || signal.aborted || this.isDisposed) return;
      this.volumeWindow = window;
      const image = this.image;
      const shown = image?.defaultWindow;
      if (!image || (shown?.lower === window.lower && shown?.upper === window.upper)) return;
      // A slice or reformat chosen meanwhile is already on screen (with the volume window): leave it there.
      if (this.image === image && !this.plane) await this.postCurrentImage();
    } catch (error) {
      // Only the default brightness is at stake: each slice keeps its own window.
      this.services.log.logger.warn(
        `Viewer of ${path.basename(this.uri.fsPath)}: no volume window (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }

  /** Makes `image` the one shown and the one runs use. */
  private adoptImage(image: SourceImage): void {
    this.image = image;
    this.slice = image.slice?.index;
    this.frame = image.frame?.index;
  }

  private async onMessage(raw: unknown): Promise<void> {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.services.log.logger.warn(
        `Viewer of ${path.basename(this.uri.fsPath)}: ignored a malformed message from the webview.`,
      );
      return;
    }
    try {
      await this.handle(message);
    } catch (error) {
      // Handlers report their own errors; this is the last line for the unexpected.
      this.services.log.logger.error(
        `Viewer of ${this.uri.fsPath}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private async handle(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        return this.onReady(message.viewerId);
      case 'run':
      case 'recognize':
        return this.onRun(message);
      case 'cancel':
        if (this.active?.runId === message.runId) this.active.abort.abort();
        return;
      case 'selectSlice': {
        const request = ++this.sliceRequests;
        try {
          const acquiredName = this.image && (await this.volumeView.planes(this.image))?.[0]?.name;
          const plane = message.plane ?? this.plane ?? acquiredName;
          if (plane && plane !== acquiredName) {
            // A reformat: `slice` counts along it; the acquisition slice stays as it was.
            this.plane = plane;
            if (message.slice !== undefined) this.planeIndex.set(plane, message.slice);
            const view = await this.currentView();
            if (request !== this.sliceRequests) return;
            this.post({ type: 'image', image: view.image, ...(view.result ? { result: view.result } : {}) });
            return;
          }
          this.plane = undefined;
          if (message.slice !== undefined) this.slice = message.slice;
          if (message.frame !== undefined) this.frame = message.frame;
          const image = await this.decodeImage();
          // A kept volume answers in a few ms while the first read of one takes longer, so loads
          // can finish out of order: one that a newer request overtook is dropped.
          if (request !== this.sliceRequests) return;
          this.adoptImage(image);
          const viewerImage = await this.viewerImage(image);
          const result = this.resultOn(viewerImage, await this.volumeView.resultFor(image, viewerImage));
          if (request !== this.sliceRequests) return;
          this.post({ type: 'image', image: viewerImage, ...(result ? { result } : {}) });
        } catch (error) {
          if (request === this.sliceRequests)
            void vscode.window.showErrorMessage(briefUserError(error, this.services.log).message);
        }
        return;
      }
      case 'export':
        if (this.volumeView.owns(message.resultId)) return this.exportVolume();
        return this.services.exportResult(this, message.resultId);
      case 'runVolume':
        return this.onRunVolume(message);
      case 'volumeHideLikelyAbsent': {
        this.volumeView.hideLikelyAbsent = message.hide;
        if (!this.image || !this.volumeView.current) return;
        this.post({ type: 'volumeResult', summary: await this.volumeView.summary(this.image) });
        await this.postCurrentImage();
        return;
      }
      case 'restoreResult': {
        // A slice's share of a volume result: its volume result comes back from History.
        const volumeId = /^(vol-[A-Za-z0-9-]+):/.exec(message.resultId)?.[1];
        if (volumeId) {
          const record =
            this.volumeView.current?.id === volumeId
              ? undefined
              : await this.services.history.loadVolume(volumeId);
          if (record) await this.showVolumeRecord(record);
          return;
        }
        const result =
          this.currentResult?.id === message.resultId
            ? this.currentResult
            : await this.services.history.load(message.resultId);
        if (result) {
          this.setCurrentResult(result);
          this.post({ type: 'showResult', result });
        }
        return;
      }
      case 'saveSelection':
        await this.services.rememberSelection(message.modality, message.targets);
        return;
      case 'screenshot': {
        const waiter = this.screenshotWaiters.get(message.requestId);
        this.screenshotWaiters.delete(message.requestId);
        waiter?.(message.png);
        return;
      }
      case 'command':
        await this.services.runWebviewCommand(message.command);
        return;
      case 'rememberModality':
        await this.services.runner.modalities.set(this.uri.fsPath, {
          modality: message.modality,
          site: message.site,
        });
        return;
      case 'log':
        this.services.log.logger[message.level](
          `[viewer ${path.basename(this.uri.fsPath)}] ${message.message}`,
        );
        return;
      default: {
        const unreachable: never = message;
        return unreachable;
      }
    }
  }

  /** Makes `result` the one on screen, remembered for this viewer across hides and reloads. */
  private setCurrentResult(result: ParseResult): void {
    this.currentResult = result;
    if (this.viewerId) void this.services.viewerResults.remember(this.viewerId, result.id);
  }

  /**
   * The result a (re)made webview starts with: one handed to this viewer, else the one on screen,
   * else (after a reload) the last one this viewer showed, from History.
   */
  private async startingResult(): Promise<ParseResult | undefined> {
    const handed = this.pendingResult ?? this.currentResult;
    this.pendingResult = undefined;
    if (handed) return handed;
    const remembered = this.viewerId && this.services.viewerResults.get(this.viewerId);
    return remembered ? this.services.history.load(remembered) : undefined;
  }

  /** The volume result a (re)made webview starts with, when the viewer has none on screen yet. */
  private async startingVolume(): Promise<VolumeRecord | undefined> {
    const handed = this.pendingVolume;
    this.pendingVolume = undefined;
    if (handed) return handed;
    if (this.volumeView.current) return undefined;
    const remembered = this.viewerId && this.services.viewerResults.getVolume(this.viewerId);
    return remembered ? this.services.history.loadVolume(remembered) : undefined;
  }

  private async onReady(viewerId: string | undefined): Promise<void> {
    if (viewerId) this.viewerId = viewerId;
    // A hidden viewer's webview is discarded and made again when shown, and messages to it are
    // lost meanwhile: the result comes from here, also one that arrived while it was hidden.
    const result = await this.startingResult();
    // A viewer made again after a reload opens on the slice and frame its result was made on.
    if (result && this.slice === undefined && this.frame === undefined) {
      this.slice = result.slice;
      this.frame = result.frame;
    }
    let image: SourceImage;
    try {
      image = await this.decodeImage();
      this.adoptImage(image);
    } catch (error) {
      const userError = toUserError(error, this.services.log.redactor);
      this.services.log.logger.error(userError.message);
      this.webviewPanel.webview.html = this.services.errorHtml(userError.message);
      void vscode.window.showErrorMessage(userError.message);
      this.failReady(new Error(userError.message));
      return;
    }
    if (result) this.setCurrentResult(result);
    const volumeRecord = await this.startingVolume();
    if (volumeRecord) {
      try {
        await this.volumeView.adopt(volumeRecord, image);
        this.volumeAdopted(volumeRecord.run);
        // After a reload, the newer of the two results is the one shown on its slice.
        this.ownOverVolume = !!result && result.time > volumeRecord.run.time;
      } catch (error) {
        void vscode.window.showErrorMessage(briefUserError(error, this.services.log).message);
      }
    }
    const view = await this.currentView().catch(async () => ({
      image: await this.viewerImage(image),
      result: undefined,
    }));
    this.post({
      type: 'init',
      image: view.image,
      settings: this.services.viewerSettings(),
      endpoint: this.services.endpointSummary(),
      lastSelection: this.services.lastSelections(),
      result,
      stateKey: this.services.panelFiles.keyFor(
        this.uri.fsPath,
        (await this.sliceSource()).series?.seriesInstanceUid,
      ),
    });
    // A webview made again (hidden, then shown) gets the volume result back, and this image's share.
    if (this.volumeView.current) {
      this.post({ type: 'volumeResult', summary: await this.volumeView.summary(image) });
      if (view.result) this.post({ type: 'showResult', result: view.result });
    }
    // A run still going (the webview was hidden meanwhile) shows as running again, with Cancel.
    this.postActiveRun();
    this.ready = true;
    this.readyWaiters.splice(0).forEach((w) => w.resolve());
    if (!this.volumeWindow) void this.findVolumeWindow();
  }

  /** Whether a run (from any entry point) is in progress in this viewer. */
  get running(): boolean {
    return this.active !== undefined;
  }

  /**
   * Makes `runId` the viewer's run, or refuses it (RunBusyError) while another one runs: two
   * runs at once on one viewer would send everything twice and race to put their result on
   * screen. `external` (a progress notification's Cancel) cancels it too.
   */
  private beginRun(runId: string, kind: RunKind, external?: AbortSignal): AbortController {
    if (this.active)
      throw new RunBusyError(
        vscode.l10n.t(
          'A run is already in progress in the viewer of {0}: wait for it to finish, or cancel it there.',
          path.basename(this.uri.fsPath),
        ),
      );
    const abort = new AbortController();
    if (external?.aborted) abort.abort();
    else external?.addEventListener('abort', () => abort.abort(), { once: true });
    this.active = { runId, kind, abort };
    return abort;
  }

  private endRun(runId: string): void {
    if (this.active?.runId === runId) this.active = undefined;
  }

  /** Shows a run's progress in the viewer (and remembers it for a webview made again). */
  private reportProgress(runId: string, message: string, increment?: number): void {
    if (this.active?.runId === runId) this.active.message = message;
    this.post({ type: 'runProgress', runId, message, increment });
  }

  /** Tells the webview about the run in progress, when it did not start it or was made again. */
  private postActiveRun(): void {
    const active = this.active;
    if (!active) return;
    this.post({ type: 'runStarted', runId: active.runId, kind: active.kind });
    if (active.message) this.post({ type: 'runProgress', runId: active.runId, message: active.message });
  }

  /**
   * The webview asked for a run while another one runs (one started elsewhere, before the
   * webview heard of it): it is not started, and the webview shows the one running instead.
   */
  private refuseRun(runId: string): void {
    this.post({
      type: 'runError',
      runId,
      error: {
        message: vscode.l10n.t('Not started: another run is in progress in this viewer.'),
      },
      cancelled: true,
    });
    this.postActiveRun();
  }

  private async onRun(message: Extract<WebviewMessage, { type: 'run' | 'recognize' }>): Promise<void> {
    if (this.active) return this.refuseRun(message.runId);
    await this.runImage(
      message.type === 'run'
        ? {
            kind: 'parse',
            prompts: message.prompts,
            modality: message.modality,
            site: message.site,
            ctWindow: message.ctWindow,
          }
        : { kind: 'recognition', modalityKey: message.modalityKey },
      { runId: message.runId },
    ).catch(() => undefined); // shown in the viewer
  }

  /**
   * Recognition ("Recognize all") of the image on screen, started outside the webview (the
   * Targets view): the viewer shows it running, with Cancel, and then its result.
   */
  recognize(
    modalityKey: string,
    options: { signal?: AbortSignal; onProgress?(message: string, increment?: number): void } = {},
  ): Promise<ParseResult> {
    return this.runImage({ kind: 'recognition', modalityKey }, options);
  }

  /**
   * History's Run Again of a single-image result: the viewer goes to the slice and frame the
   * result was made on (on the acquisition plane) and runs the same request there, as its own
   * run: with progress and Cancel, its Run buttons off, and the new result on screen when done.
   * Refused (RunBusyError) while another run is in progress here.
   */
  runAgain(
    request: ImageRunRequest & { slice?: number; frame?: number },
    options: { signal?: AbortSignal; onProgress?(message: string, increment?: number): void } = {},
  ): Promise<ParseResult> {
    const { slice, frame, ...rest } = request;
    return this.runImage(rest, { ...options, at: { slice, frame } });
  }

  /** Goes to an acquisition slice and frame, and shows it (with its share of a volume result). */
  private async moveTo(at: { slice?: number; frame?: number }): Promise<void> {
    // A slider move still loading is overtaken: the image the run is made on is the one shown.
    ++this.sliceRequests;
    this.plane = undefined;
    this.slice = at.slice;
    this.frame = at.frame;
    this.adoptImage(await this.decodeImage());
    await this.postCurrentImage();
  }

  /**
   * A parse or recognition of the image on screen (or, with `at`, of that slice and frame, shown
   * first), from the viewer's own buttons (`runId`) or from elsewhere: progress, result or error
   * are shown in the viewer; a cancel rejects with a UserCancelledError.
   */
  private async runImage(
    request: ImageRunRequest,
    options: {
      runId?: string;
      signal?: AbortSignal;
      onProgress?(message: string, increment?: number): void;
      at?: { slice?: number; frame?: number };
    },
  ): Promise<ParseResult> {
    const runId = options.runId ?? `host-${randomUUID()}`;
    const abort = this.beginRun(runId, request.kind, options.signal);
    if (!options.runId) this.post({ type: 'runStarted', runId, kind: request.kind });
    try {
      if (options.at) await this.moveTo(options.at);
      if (this.plane) {
        throw new Error(
          vscode.l10n.t(
            'Parsing runs on the slices as acquired, not on a {0} reformat: switch back to the {1} plane to run.',
            this.plane,
            (this.image && (await this.volumeView.planes(this.image))?.[0]?.name) ??
              vscode.l10n.t('acquisition'),
          ),
        );
      }
      const result = await this.services.runner.run(
        {
          file: this.uri.fsPath,
          image: this.image,
          slice: this.slice,
          frame: this.frame,
          seriesInstanceUid: this.seriesUid,
          ...request,
        },
        {
          signal: abort.signal,
          onProgress: (text, increment) => {
            this.reportProgress(runId, text, increment);
            options.onProgress?.(text, increment);
          },
        },
      );
      this.setCurrentResult(result);
      // Both are kept: a whole-volume run cost many requests and minutes, and a Run on one slice
      // is most often a check or a new prompt on the slice being read, not a wish to throw the
      // volume away. So the volume result stays on every other slice, in the legend's volume
      // figures and in Export from those slices; this slice shows the newer result (browse away
      // and back to see it again), and both are in History.
      this.ownOverVolume = true;
      this.post({ type: 'runResult', runId, result });
      return result;
    } catch (error) {
      const cancelledMessage = vscode.l10n.t('Cancelled: nothing more is sent.');
      this.post({
        type: 'runError',
        runId,
        error: abort.signal.aborted
          ? { message: cancelledMessage }
          : briefUserError(error, this.services.log),
        cancelled: abort.signal.aborted || error instanceof UserCancelledError,
      });
      throw abort.signal.aborted ? new UserCancelledError(cancelledMessage) : error;
    } finally {
      this.endRun(runId);
    }
  }

  /** Parses the whole volume (or a range of its acquisition slices) and shows the result on every slice. */
  private async onRunVolume(message: Extract<WebviewMessage, { type: 'runVolume' }>): Promise<void> {
    if (this.active) return this.refuseRun(message.runId);
    await this.runVolume(
      {
        prompts: message.prompts,
        mode: message.mode,
        range: message.mode === 'slices' ? message.range : undefined,
        modality: message.modality,
        site: message.site,
        ctWindow: message.ctWindow,
      },
      { runId: message.runId },
    ).catch(() => undefined); // shown in the viewer
  }

  /**
   * A whole-volume run on what this viewer shows, from its panel (`runId`) or from History's Run
   * Again: the viewer shows it running, with Cancel, whoever started it; the result goes on
   * screen on every slice and plane, and into History. Refused (RunBusyError) while another run
   * is in progress here; a cancel, from the viewer or from `signal`, rejects with a
   * UserCancelledError saying what is kept.
   */
  async runVolume(
    request: Omit<VolumeRunRequest, 'image'>,
    options: { signal?: AbortSignal; runId?: string; onProgress?(message: string, increment?: number): void },
  ): Promise<VolumeRun> {
    const runId = options.runId ?? `host-${randomUUID()}`;
    const abort = this.beginRun(runId, 'volume', options.signal);
    if (!options.runId) this.post({ type: 'runStarted', runId, kind: 'volume' });
    try {
      return await this.volumeRun(request, runId, abort.signal, (text, increment) => {
        this.reportProgress(runId, text, increment);
        options.onProgress?.(text, increment);
      });
    } catch (error) {
      const cancelledMessage =
        request.mode === 'slices'
          ? vscode.l10n.t(
              'Cancelled: nothing more is sent. Finished slices are kept: run the volume again to continue.',
            )
          : vscode.l10n.t('Cancelled: nothing more is sent.');
      this.post({
        type: 'runError',
        runId,
        error: abort.signal.aborted
          ? { message: cancelledMessage }
          : toUserError(error, this.services.log.redactor),
        cancelled: abort.signal.aborted || error instanceof UserCancelledError,
      });
      throw abort.signal.aborted ? new UserCancelledError(cancelledMessage) : error;
    } finally {
      this.endRun(runId);
    }
  }

  private async volumeRun(
    request: Omit<VolumeRunRequest, 'image'>,
    runId: string,
    signal: AbortSignal,
    onProgress: (message: string, increment?: number) => void,
  ): Promise<VolumeRun> {
    const image = this.image ?? (await this.decodeImage());
    const volume = await this.volumeView.volume(image);
    if (!volume)
      throw new Error(
        vscode.l10n.t('{0} is not a volume: there is one slice to parse.', path.basename(this.uri.fsPath)),
      );
    const nz = volume.dims[2];
    if (request.range && request.range[1] >= nz)
      throw new Error(
        vscode.l10n.t(
          "Slices {0}–{1} are outside this volume's 1–{2}.",
          request.range[0] + 1,
          request.range[1] + 1,
          nz,
        ),
      );
    const run = await this.services.volumes.run(volume, { ...request, image }, { signal, onProgress });
    this.volumeView.setRun(run);
    this.volumeAdopted(run);
    this.ownOverVolume = false;
    this.post({ type: 'volumeResult', runId, summary: await this.volumeView.summary(image) });
    await this.postCurrentImage();
    try {
      await this.services.history.addVolume(this.uri.fsPath, run, {
        dims: volume.dims,
        ...(volume.series ? { seriesInstanceUid: volume.series.seriesInstanceUid } : {}),
      });
      this.services.historyChanged?.();
    } catch (error) {
      // The result stays on screen (and can be exported); only History misses it.
      const message = error instanceof Error ? error.message : String(error);
      this.services.log.logger.error(
        `Could not keep the volume result of ${this.uri.fsPath} in History: ${message}`,
      );
      void vscode.window.showWarningMessage(
        vscode.l10n.t(
          'The volume result is on screen but could not be kept in History ({0}); export it to keep it.',
          message,
        ),
      );
    }
    return run;
  }

  /** Export of a volume result: NIfTI labels and masks, a SEG for a series, the report. */
  private async exportVolume(): Promise<void> {
    try {
      const run = this.volumeView.current;
      const image = this.image;
      const volume = image && (await this.volumeView.volume(image));
      const shown = volume && this.volumeView.shown(volume);
      if (!run || !volume || !shown)
        throw new Error(vscode.l10n.t('That volume result is no longer available; run it again.'));
      const exported = await this.services.volumes.export(volume, run, shown);
      if (!exported) return;
      this.post({ type: 'exported', folder: exported.dir, files: exported.files });
      // History's Reveal Exports finds the folder (a result not in History is left alone).
      if (await this.services.history.get(run.id)) {
        await this.services.history.setExportFolder(run.id, exported.dir);
        this.services.historyChanged?.();
      }
      const choice = await vscode.window.showInformationMessage(
        vscode.l10n.t('Exported {0} files to {1}', exported.files.length, exported.dir),
        vscode.l10n.t('Reveal'),
      );
      if (choice) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(exported.dir));
    } catch (error) {
      const userError = toUserError(error, this.services.log.redactor);
      this.services.log.logger.error(`Export of ${this.uri.fsPath} failed: ${userError.message}`);
      this.post({ type: 'exportError', error: userError });
    }
  }
}
