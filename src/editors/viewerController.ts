import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SourceImage } from '../imaging';
import {
  parseWebviewMessage,
  type HostMessage,
  type ParseResult,
  type ViewerAction,
  type ViewerImage,
  type WebviewMessage,
} from '../shared/protocol';
import { Disposable } from '../vscode/disposable';
import { volumeCache } from '../imaging/volumeCache';
import type { ViewerServices } from './viewerServices';
import { buildViewerHtml, viewerResourceRoots } from './webviewHtml';
import { viewerDefaultWindow } from './viewerWindow';
import { suggestionForImage, type ModalityChoice } from './modalitySuggestion';
import { briefUserError, toUserError, UserCancelledError } from '../vscode/userError';
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
  const warnings = source?.warnings ?? [];
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
  };
}

/**
 * One viewer webview (panel or custom editor) for one image file or DICOM series folder (its
 * sorted slices are the slice slider's steps): loads the image, answers the
 * webview's messages (validated first), runs parses with progress and cancellation, and keeps
 * the result with the image so that a reload restores it without calling the endpoint again.
 */
export class ViewerController extends Disposable {
  private readonly runs = new Map<string, AbortController>();
  private readonly screenshotWaiters = new Map<string, (png: Uint8Array | null) => void>();
  private image?: SourceImage;
  /** Counts slice and frame requests, so that only the latest one's image is shown. */
  private sliceRequests = 0;
  private slice?: number;
  private frame?: number;
  private ready = false;
  /** The webview's own id (from its saved state), once it said `ready`. */
  private viewerId?: string;
  private readonly readyWaiters: (() => void)[] = [];
  /** The result on screen, for exports and for restoring. */
  currentResult?: ParseResult;
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
    this.volumeWindowAbort.abort();
    for (const run of this.runs.values()) run.abort();
    this.runs.clear();
    // A closed viewer browses no more slices: its volume's memory goes back at once.
    volumeCache.forget(this.uri.fsPath);
    super.dispose();
  }

  /** Resolves once the webview has said `ready` and received `init`. */
  whenReady(): Promise<void> {
    return this.ready ? Promise.resolve() : new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  post(message: HostMessage): void {
    if (this.isDisposed) return;
    this.posted.push(message.type);
    if (this.posted.length > 50) this.posted.shift();
    this.postedEmitter.fire(message);
    void this.webviewPanel.webview.postMessage(message);
  }

  /** Shows a result (from history or an explorer command) without calling the endpoint. */
  showResult(result: ParseResult): void {
    this.setCurrentResult(result);
    if (this.ready) this.post({ type: 'showResult', result });
    else this.pendingResult = result;
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
    const viewerImage = toViewerImage(
      image,
      await this.sliceSource(),
      this.services.runner.modalities.get(this.uri.fsPath),
    );
    return this.volumeWindow ? { ...viewerImage, defaultWindow: this.volumeWindow } : viewerImage;
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
      const updated = await this.viewerImage(image);
      // A slice chosen meanwhile is already on screen (with the volume window): leave it there.
      if (this.image === image) this.post({ type: 'image', image: updated });
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
        this.runs.get(message.runId)?.abort();
        return;
      case 'selectSlice': {
        if (message.slice !== undefined) this.slice = message.slice;
        if (message.frame !== undefined) this.frame = message.frame;
        const request = ++this.sliceRequests;
        try {
          const image = await this.decodeImage();
          // A kept volume answers in a few ms while the first read of one takes longer, so loads
          // can finish out of order: one that a newer request overtook is dropped.
          if (request !== this.sliceRequests) return;
          this.adoptImage(image);
          this.post({ type: 'image', image: await this.viewerImage(image) });
        } catch (error) {
          if (request === this.sliceRequests)
            void vscode.window.showErrorMessage(briefUserError(error, this.services.log).message);
        }
        return;
      }
      case 'export':
        return this.services.exportResult(this, message.resultId);
      case 'restoreResult': {
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
      return;
    }
    if (result) this.setCurrentResult(result);
    this.post({
      type: 'init',
      image: await this.viewerImage(image),
      settings: this.services.viewerSettings(),
      endpoint: this.services.endpointSummary(),
      lastSelection: this.services.lastSelections(),
      result,
      stateKey: this.services.panelFiles.keyFor(this.uri.fsPath),
    });
    this.ready = true;
    this.readyWaiters.splice(0).forEach((resolve) => resolve());
    if (!this.volumeWindow) void this.findVolumeWindow();
  }

  private async onRun(message: Extract<WebviewMessage, { type: 'run' | 'recognize' }>): Promise<void> {
    const abort = new AbortController();
    this.runs.set(message.runId, abort);
    try {
      const result = await this.services.runner.run(
        {
          file: this.uri.fsPath,
          image: this.image,
          slice: this.slice,
          frame: this.frame,
          ...(message.type === 'run'
            ? {
                kind: 'parse' as const,
                prompts: message.prompts,
                modality: message.modality,
                site: message.site,
                ctWindow: message.ctWindow,
              }
            : { kind: 'recognition' as const, modalityKey: message.modalityKey }),
        },
        {
          signal: abort.signal,
          onProgress: (text, increment) =>
            this.post({ type: 'runProgress', runId: message.runId, message: text, increment }),
        },
      );
      this.setCurrentResult(result);
      this.post({ type: 'runResult', runId: message.runId, result });
    } catch (error) {
      const cancelled = abort.signal.aborted || error instanceof UserCancelledError;
      this.post({
        type: 'runError',
        runId: message.runId,
        error: abort.signal.aborted
          ? { message: 'Cancelled: nothing more is sent.' }
          : briefUserError(error, this.services.log),
        cancelled,
      });
    } finally {
      this.runs.delete(message.runId);
    }
  }
}
