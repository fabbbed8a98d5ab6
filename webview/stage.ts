/**
 * The image stage: source-resolution layer canvases (image, mask fills, mask outlines) stacked
 * and placed with one CSS transform, plus a screen-size canvas on top for boxes and labels that
 * also takes the pointer, wheel and keyboard (zoom, pan, window/level drag). The browser
 * composites the layers, so zoom, pan, opacity and style changes repaint no pixels, and a mask
 * change repaints only the mask layers.
 *
 * Layers keep the source's pixel order; the radiological display transform (flips/transpose from
 * the image's orientation) is part of their CSS matrix, so masks follow the image exactly. The
 * view transform (zoom, pan) works in display coordinates; pointer and annotation positions are
 * mapped through both.
 */
import type { ViewerImage } from '../src/shared/protocol';
import {
  IDENTITY_DISPLAY,
  displayMatrix,
  displaySize,
  displayToSource,
  sourceToDisplay,
  type DisplayTransform,
} from '../src/shared/orientation';
import { lineOpacity, type MaskStyle } from './layers';
import type { MaskOverlay } from './overlay';
import {
  actualSize,
  fitTransform,
  imageToScreen,
  pan,
  restoreView,
  saveView,
  screenToImage,
  zoomAt,
  type SavedView,
  type ViewTransform,
} from './viewTransform';
import { isWindowed } from '../src/shared/windowed';
import { placeLabels } from '../src/shared/labelPlacement';
import { dragWindow, renderImageRgba, type DisplayWindow } from './windowing';
import * as l10n from '@vscode/l10n';

export interface StageAnnotations {
  boxes: { x: number; y: number; width: number; height: number; color: string }[];
  /** In placement order: the first keeps its spot on its object (give the largest first). */
  labels: { x: number; y: number; text: string; color: string }[];
}

/** A label as last drawn on screen (stage CSS pixels), for tests. */
export interface DrawnLabel {
  text: string;
  left: number;
  top: number;
  width: number;
  height: number;
  leader: boolean;
}

export interface StageCallbacks {
  /** Source pixel under the pointer, or undefined when it leaves the image. */
  onHover(x: number | undefined, y: number | undefined): void;
  /** The view moved (debounce before persisting). */
  onViewChange(): void;
  /** Window/level dragged (display only). */
  onWindowDrag(w: DisplayWindow): void;
  /** Zoom level changed enough that outlines need another width. */
  onScaleChange(scale: number): void;
  /** The image was placed again (zoom, pan, resize, another image): for what sits around it. */
  onPlaced?(): void;
}

const ZOOM_STEP = 1.25;
const PAN_STEP = 40;

export class Stage {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly imageCanvas: HTMLCanvasElement;
  private imageData?: ImageData;
  private image?: ViewerImage;
  private window?: DisplayWindow;
  private overlay?: MaskOverlay;
  /** "Compare with ground truth": shown instead of the overlay while set. */
  private compareLayer?: HTMLCanvasElement;
  private readonly layerHost: HTMLDivElement;
  private maskStyle: MaskStyle = 'both';
  private opacity = 0.45;
  private appliedTransform = '';
  private annotations: StageAnnotations = { boxes: [], labels: [] };
  /** The labels as placed on screen by the last render. */
  drawnLabels: DrawnLabel[] = [];
  private transform: ViewTransform = { scale: 1, tx: 0, ty: 0 };
  private display: DisplayTransform = IDENTITY_DISPLAY;
  /** On-screen width and height of one source pixel (non-square for reformats across slices). */
  private cell: [number, number] = [1, 1];
  private fit = true;
  private viewW = 1;
  private viewH = 1;
  private frame = 0;
  private drag?: {
    mode: 'pan' | 'window';
    x: number;
    y: number;
    start: ViewTransform;
    window?: DisplayWindow;
    id: number;
  };

  constructor(
    private readonly host: HTMLElement,
    private readonly cb: StageCallbacks,
  ) {
    const doc = host.ownerDocument;
    this.layerHost = doc.createElement('div');
    this.layerHost.className = 'layers';
    this.imageCanvas = doc.createElement('canvas');
    this.imageCanvas.className = 'layer layer-image';
    this.imageCanvas.setAttribute('aria-hidden', 'true');
    this.layerHost.appendChild(this.imageCanvas);
    this.canvas = doc.createElement('canvas');
    this.canvas.className = 'stage-canvas';
    host.append(this.layerHost, this.canvas);
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error(l10n.t('Canvas 2D is not available.'));
    this.ctx = ctx;
    new ResizeObserver(() => this.resize()).observe(host);
    this.resize();
    this.bindInput();
  }

  get scale(): number {
    return this.transform.scale;
  }

  get view(): ViewTransform {
    return { ...this.transform };
  }

  /** Shows an image; keeps the view when the size is unchanged (another slice of the same file). */
  setImage(image: ViewerImage, window: DisplayWindow | undefined, saved?: SavedView): void {
    const display: DisplayTransform = image.orientation
      ? {
          transpose: image.orientation.transpose,
          flipX: image.orientation.flipX,
          flipY: image.orientation.flipY,
        }
      : IDENTITY_DISPLAY;
    const cell: [number, number] = image.cellAspect ?? [1, 1];
    const sameSize =
      this.image &&
      this.image.width === image.width &&
      this.image.height === image.height &&
      display.transpose === this.display.transpose &&
      cell[0] === this.cell[0] &&
      cell[1] === this.cell[1];
    this.image = image;
    this.display = display;
    this.cell = cell;
    this.appliedTransform = '';
    this.window = window;
    if (this.imageCanvas.width !== image.width || this.imageCanvas.height !== image.height) {
      this.imageCanvas.width = image.width;
      this.imageCanvas.height = image.height;
    }
    this.imageData = new ImageData(image.width, image.height);
    this.paintImage();
    if (saved) {
      this.fit = saved.fit;
      this.transform = restoreView(saved, ...this.displayedSize(), this.viewW, this.viewH);
    } else if (!sameSize) {
      this.fitToWindow();
    }
    this.cb.onScaleChange(this.transform.scale);
    this.render();
  }

  setWindow(window: DisplayWindow | undefined): void {
    this.window = window;
    this.paintImage();
    this.requestRender();
  }

  setOverlay(overlay: MaskOverlay | undefined): void {
    if (overlay === this.overlay) return;
    if (this.overlay) {
      this.overlay.fill.canvas.remove();
      this.overlay.line.canvas.remove();
    }
    this.overlay = overlay;
    if (overlay) this.layerHost.append(overlay.fill.canvas, overlay.line.canvas);
    this.appliedTransform = '';
    this.applyOverlayLook();
  }

  /** A comparison layer drawn instead of the mask overlay (Compare with ground truth); undefined removes it. */
  setCompareLayer(canvas: HTMLCanvasElement | undefined): void {
    if (canvas === this.compareLayer) return;
    this.compareLayer?.remove();
    this.compareLayer = canvas;
    if (canvas) this.layerHost.append(canvas);
    this.appliedTransform = '';
    this.applyOverlayLook();
  }

  /** Fill/outline style and global opacity: CSS on the layer canvases, no repaint. */
  setOverlayLook(style: MaskStyle, opacity: number): void {
    this.maskStyle = style;
    this.opacity = opacity;
    this.applyOverlayLook();
  }

  /** Effective opacities of the fill and outline layers (0 when the style hides one). */
  overlayOpacities(): { fill: number; line: number } {
    return {
      fill: this.maskStyle === 'outline' ? 0 : this.opacity,
      line: this.maskStyle === 'fill' ? 0 : lineOpacity(this.opacity),
    };
  }

  private applyOverlayLook(): void {
    if (this.compareLayer) this.compareLayer.style.opacity = String(Math.max(0.5, this.opacity));
    if (!this.overlay) return;
    const o = this.compareLayer ? { fill: 0, line: 0 } : this.overlayOpacities();
    this.overlay.fill.canvas.style.opacity = String(o.fill);
    this.overlay.line.canvas.style.opacity = String(o.line);
  }

  setAnnotations(a: StageAnnotations): void {
    this.annotations = a;
  }

  fitToWindow(): void {
    if (!this.image) return;
    this.fit = true;
    this.setTransform(fitTransform(...this.displayedSize(), this.viewW, this.viewH));
  }

  actualSize(): void {
    this.fit = false;
    this.setTransform(actualSize(this.transform, this.viewW, this.viewH));
  }

  zoomBy(factor: number, sx = this.viewW / 2, sy = this.viewH / 2): void {
    this.fit = false;
    this.setTransform(zoomAt(this.transform, factor, sx, sy));
  }

  panBy(dx: number, dy: number): void {
    this.fit = false;
    this.setTransform(pan(this.transform, dx, dy));
  }

  savedView(): SavedView {
    return saveView(this.transform, this.fit, this.viewW, this.viewH);
  }

  /** Source pixel → client (viewport) CSS coordinates of its centre. */
  imageToClient(x: number, y: number): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    const [sx, sy] = this.sourceToScreen(x + 0.5, y + 0.5);
    return [r.left + sx, r.top + sy];
  }

  /** The display transform in use (identity when the image's orientation is unknown). */
  get displayTransform(): DisplayTransform {
    return this.display;
  }

  /** Width and height of the image as displayed (swapped when transposed). */
  private displayedSize(): [number, number] {
    return this.image ? displaySize(this.display, ...this.cellExtent()) : [1, 1];
  }

  /** The image's extent in cell units (source pixels stretched by their on-screen aspect). */
  private cellExtent(): [number, number] {
    return this.image ? [this.image.width * this.cell[0], this.image.height * this.cell[1]] : [1, 1];
  }

  /** A source point (continuous pixel coordinates) → stage CSS pixels. */
  private sourceToScreen(x: number, y: number): [number, number] {
    if (!this.image) return [x, y];
    const [dx, dy] = sourceToDisplay(this.display, ...this.cellExtent(), x * this.cell[0], y * this.cell[1]);
    return imageToScreen(this.transform, dx, dy);
  }

  /** The displayed image's rectangle in stage CSS pixels (for what is placed around it). */
  imageRect(): { left: number; top: number; right: number; bottom: number } | undefined {
    if (!this.image) return undefined;
    const [w, h] = this.displayedSize();
    const [x0, y0] = imageToScreen(this.transform, 0, 0);
    const [x1, y1] = imageToScreen(this.transform, w, h);
    return { left: x0, top: y0, right: x1, bottom: y1 };
  }

  /** The displayed (windowed) image colour at a source pixel. */
  displayedRgb(x: number, y: number): [number, number, number] | undefined {
    if (!this.image || !this.imageData || x < 0 || y < 0 || x >= this.image.width || y >= this.image.height)
      return undefined;
    const o = (y * this.image.width + x) * 4;
    const d = this.imageData.data;
    return [d[o], d[o + 1], d[o + 2]];
  }

  /**
   * PNG bytes of the image with its overlay and boxes at source resolution, oriented as the
   * viewer shows it (the radiological display: flips and transpose applied), so an exported
   * overlay.png looks like the screen.
   */
  async screenshot(): Promise<Uint8Array | null> {
    if (!this.image) return null;
    const { width, height } = this.image;
    const c = this.host.ownerDocument.createElement('canvas');
    [c.width, c.height] = displaySize(this.display, width, height);
    const ctx = c.getContext('2d');
    if (!ctx) return null;
    ctx.setTransform(...displayMatrix(this.display, width, height));
    ctx.drawImage(this.imageCanvas, 0, 0);
    if (this.overlay) {
      const o = this.overlayOpacities();
      ctx.globalAlpha = o.fill;
      ctx.drawImage(this.overlay.fill.canvas, 0, 0);
      ctx.globalAlpha = o.line;
      ctx.drawImage(this.overlay.line.canvas, 0, 0);
      ctx.globalAlpha = 1;
    }
    // Boxes and labels in display coordinates, so label text stays upright.
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    this.drawAnnotations(ctx, 1, (x, y) => sourceToDisplay(this.display, width, height, x, y), {
      width: c.width,
      height: c.height,
    });
    const blob = await new Promise<Blob | null>((resolve) => c.toBlob(resolve, 'image/png'));
    return blob ? new Uint8Array(await blob.arrayBuffer()) : null;
  }

  requestRender(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** Places the layers and redraws boxes and labels now (control changes call this directly). */
  render(): void {
    if (this.frame) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
    }
    const t = this.transform;
    let css = 'scale(0)';
    if (this.image) {
      // screen = scale · (display matrix · source) + (tx, ty)
      // … with source pixels first stretched to their cell aspect: M · diag(cellX, cellY).
      const [a0, b0, c0, d0, e, f] = displayMatrix(this.display, ...this.cellExtent());
      const [cx, cy] = this.cell;
      const [a, b, c, d] = [a0 * cx, b0 * cx, c0 * cy, d0 * cy];
      const s = t.scale;
      css = `matrix(${s * a}, ${s * b}, ${s * c}, ${s * d}, ${s * e + t.tx}, ${s * f + t.ty})`;
    }
    if (css !== this.appliedTransform) {
      this.appliedTransform = css;
      // Crisp pixels when enlarged; smooth when shrunk (less aliasing).
      const rendering = t.scale >= 1 ? 'pixelated' : 'auto';
      for (const c of this.layerHost.children as HTMLCollectionOf<HTMLElement>) {
        c.style.transform = css;
        c.style.imageRendering = rendering;
      }
      if (this.image) this.cb.onPlaced?.();
    }
    const dpr = window.devicePixelRatio || 1;
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (!this.image) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.drawnLabels = this.drawAnnotations(ctx, 1, (x, y) => this.sourceToScreen(x, y), {
      width: this.viewW,
      height: this.viewH,
    });
  }

  private drawAnnotations(
    ctx: CanvasRenderingContext2D,
    lineWidth: number,
    map: (x: number, y: number) => [number, number],
    bounds: { width: number; height: number },
  ): DrawnLabel[] {
    const { boxes, labels } = this.annotations;
    ctx.lineWidth = lineWidth * 1.5;
    for (const b of boxes) {
      // Flipped or transposed displays map the corners in any order: take the mapped extent.
      const [ax, ay] = map(b.x, b.y);
      const [bx, by] = map(b.x + b.width, b.y + b.height);
      const [x0, y0, x1, y1] = [Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by)];
      ctx.strokeStyle = b.color;
      ctx.setLineDash([5, 3]);
      ctx.strokeRect(Math.round(x0) + 0.5, Math.round(y0) + 0.5, Math.round(x1 - x0), Math.round(y1 - y0));
    }
    ctx.setLineDash([]);
    if (labels.length === 0) return [];
    ctx.font = '12px sans-serif';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'center';
    const H = 18;
    const labelBoxes = labels.map((l) => {
      const [x, y] = map(l.x, l.y);
      return { x, y, width: ctx.measureText(l.text).width + 8, height: H };
    });
    // Labels of neighbouring objects ("right adrenal gland", "postcava") must not cover each
    // other: moved ones get a leader line back to their object.
    const placed = placeLabels(labelBoxes, bounds);
    const drawn: DrawnLabel[] = [];
    labels.forEach((l, i) => {
      const { x, y, width: w } = labelBoxes[i];
      const { left, top, leader } = placed[i];
      if (leader) {
        const tx = Math.max(left, Math.min(left + w, x));
        const ty = Math.max(top, Math.min(top + H, y));
        for (const [style, width] of [
          ['rgba(0,0,0,0.8)', 3],
          [l.color, 1.5],
        ] as const) {
          ctx.strokeStyle = style;
          ctx.lineWidth = width;
          ctx.beginPath();
          ctx.moveTo(x, y);
          ctx.lineTo(tx, ty);
          ctx.stroke();
        }
        ctx.fillStyle = l.color;
        ctx.beginPath();
        ctx.arc(x, y, 2.5, 0, Math.PI * 2);
        ctx.fill();
      }
      ctx.fillStyle = 'rgba(0,0,0,0.7)';
      ctx.fillRect(left, top, w, H);
      ctx.strokeStyle = l.color;
      ctx.lineWidth = 1;
      ctx.strokeRect(left + 0.5, top + 0.5, w - 1, H - 1);
      ctx.fillStyle = '#ffffff';
      ctx.fillText(l.text, left + w / 2, top + H / 2);
      drawn.push({ text: l.text, left, top, width: w, height: H, leader });
    });
    return drawn;
  }

  private paintImage(): void {
    if (!this.image || !this.imageData) return;
    const img = this.image;
    renderImageRgba(
      img.pixels,
      img.channels,
      img.width * img.height,
      isWindowed(img) ? this.window : undefined,
      this.imageData.data,
    );
    this.imageCanvas.getContext('2d')?.putImageData(this.imageData, 0, 0);
  }

  private setTransform(t: ViewTransform): void {
    const before = this.transform.scale;
    this.transform = t;
    if (t.scale !== before) this.cb.onScaleChange(t.scale);
    this.requestRender();
    this.cb.onViewChange();
  }

  private resize(): void {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, this.host.clientWidth);
    const h = Math.max(1, this.host.clientHeight);
    this.viewW = w;
    this.viewH = h;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    if (this.fit && this.image) this.transform = fitTransform(...this.displayedSize(), w, h);
    this.render();
  }

  private local(e: { clientX: number; clientY: number }): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  private bindInput(): void {
    const c = this.canvas;
    c.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const [sx, sy] = this.local(e);
        this.zoomBy(Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)), sx, sy);
      },
      { passive: false },
    );
    c.addEventListener('contextmenu', (e) => e.preventDefault());
    c.addEventListener('pointerdown', (e) => {
      if (!this.image) return;
      c.focus();
      const windowDrag = isWindowed(this.image) && (e.button === 2 || (e.button === 0 && e.shiftKey));
      if (e.button !== 0 && !windowDrag) return;
      c.setPointerCapture(e.pointerId);
      this.drag = {
        mode: windowDrag ? 'window' : 'pan',
        x: e.clientX,
        y: e.clientY,
        start: this.transform,
        window: this.window,
        id: e.pointerId,
      };
      c.classList.add(windowDrag ? 'dragging-window' : 'dragging');
    });
    c.addEventListener('pointermove', (e) => {
      const d = this.drag;
      if (d && d.id === e.pointerId) {
        const dx = e.clientX - d.x;
        const dy = e.clientY - d.y;
        if (d.mode === 'pan') {
          this.fit = false;
          this.setTransform(pan(d.start, dx, dy));
        } else if (d.window && this.image) {
          this.cb.onWindowDrag(dragWindow(d.window, dx, dy, this.image.range));
        }
      }
      this.hover(e);
    });
    const end = (e: PointerEvent) => {
      if (this.drag?.id !== e.pointerId) return;
      this.drag = undefined;
      c.classList.remove('dragging', 'dragging-window');
    };
    c.addEventListener('pointerup', end);
    c.addEventListener('pointercancel', end);
    c.addEventListener('pointerleave', () => this.cb.onHover(undefined, undefined));
    c.addEventListener('keydown', (e) => {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      const step = e.shiftKey ? PAN_STEP * 5 : PAN_STEP;
      switch (e.key) {
        case '+':
        case '=':
          this.zoomBy(ZOOM_STEP);
          break;
        case '-':
        case '_':
          this.zoomBy(1 / ZOOM_STEP);
          break;
        case '0':
          this.fitToWindow();
          break;
        case '1':
          this.actualSize();
          break;
        case 'ArrowLeft':
          this.panBy(step, 0);
          break;
        case 'ArrowRight':
          this.panBy(-step, 0);
          break;
        case 'ArrowUp':
          this.panBy(0, step);
          break;
        case 'ArrowDown':
          this.panBy(0, -step);
          break;
        case 'PageUp':
        case 'PageDown':
        case 'Home':
        case 'End':
          // Slice stepping is a contributed keybinding (VS Code gets every key pressed in a
          // webview), so users can remap it; here only the page's own scrolling is stopped.
          break;
        default:
          return;
      }
      e.preventDefault();
    });
  }

  private hover(e: PointerEvent): void {
    if (!this.image) return;
    const [sx, sy] = this.local(e);
    const [dx, dy] = screenToImage(this.transform, sx, sy);
    const [cx, cy] = displayToSource(this.display, ...this.cellExtent(), dx, dy);
    const x = Math.floor(cx / this.cell[0]);
    const y = Math.floor(cy / this.cell[1]);
    if (x < 0 || y < 0 || x >= this.image.width || y >= this.image.height)
      this.cb.onHover(undefined, undefined);
    else this.cb.onHover(x, y);
  }
}
