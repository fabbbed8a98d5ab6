/**
 * The mask overlay at source resolution, as two canvases the stage stacks over the image:
 * fills and outlines. It owns the precomputed layers and the compositor that keeps their pixels
 * current, and puts only the changed rectangle when the shown pixels change (threshold,
 * visibility, dimming, outline width). Opacity and style are CSS on those canvases (see Stage),
 * so they cost no repaint at all.
 */
import { LabelCompositor, type DirtyRect } from './compositor';
import { hexToRgb, type Rgb } from './palette';
import { labelColors, minByteFor, prepareLayer, type MaskLayer } from './layers';
import * as l10n from '@vscode/l10n';

export interface OverlayParams {
  threshold: number;
  visible: boolean[];
  dimmed: boolean[];
  outlineWidth: number;
}

class Layer {
  readonly canvas: HTMLCanvasElement;
  readonly data: ImageData;
  readonly px: Uint32Array;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(width: number, height: number, className: string) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = width;
    this.canvas.height = height;
    this.canvas.className = `layer ${className}`;
    this.canvas.setAttribute('aria-hidden', 'true');
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error(l10n.t('Canvas 2D is not available.'));
    this.ctx = ctx;
    this.data = ctx.createImageData(width, height);
    this.px = new Uint32Array(this.data.data.buffer);
  }

  put(r: DirtyRect): void {
    if (r.x1 < r.x0 || r.y1 < r.y0) return;
    this.ctx.putImageData(this.data, 0, 0, r.x0, r.y0, r.x1 - r.x0 + 1, r.y1 - r.y0 + 1);
  }
}

export class MaskOverlay {
  readonly width: number;
  readonly height: number;
  readonly layers: MaskLayer[];
  readonly colors: Rgb[];
  readonly fill: Layer;
  readonly line: Layer;
  /** Milliseconds spent in the last repaint, for the benchmark. */
  timings = { compose: 0, paint: 0, put: 0 };
  private readonly compositor: LabelCompositor;
  private skipped = false;
  private last?: { minByte: number; visible: string; dimmed: string; outlineWidth: number };

  /** `colors`: one hex colour per mask (see targetColors: by target name, not by position). */
  constructor(masks: Uint8Array[], width: number, height: number, colors: readonly string[]) {
    this.width = width;
    this.height = height;
    this.layers = masks.map(prepareLayer);
    this.colors = colors.map(hexToRgb);
    this.fill = new Layer(width, height, 'layer-fill');
    this.line = new Layer(width, height, 'layer-line');
    this.compositor = new LabelCompositor(this.layers, width, height, this.fill.px, this.line.px);
  }

  /** How the last repaint ran: 'full', 'incremental' or 'none'. */
  get lastKind(): string {
    return this.skipped ? 'none' : this.compositor.lastKind;
  }

  /** Brings the layer canvases up to date; returns whether anything was repainted. */
  update(p: OverlayParams): boolean {
    const minByte = minByteFor(p.threshold);
    const visible = p.visible.map((v) => (v ? 1 : 0)).join('');
    const dimmed = p.dimmed.map((v) => (v ? 1 : 0)).join('');
    const l = this.last;
    if (
      l &&
      l.minByte === minByte &&
      l.visible === visible &&
      l.dimmed === dimmed &&
      l.outlineWidth === p.outlineWidth
    ) {
      this.timings = { compose: 0, paint: 0, put: 0 };
      this.skipped = true;
      return false;
    }
    this.skipped = false;
    const dirty = this.compositor.update({
      minByte,
      visible: p.visible,
      lut: labelColors(this.colors, p.dimmed),
      outlineWidth: p.outlineWidth,
    });
    const t1 = performance.now();
    this.fill.put(dirty);
    this.line.put(dirty);
    this.timings = {
      compose: this.compositor.times.labels,
      paint: this.compositor.times.paint,
      put: performance.now() - t1,
    };
    this.last = { minByte, visible, dimmed, outlineWidth: p.outlineWidth };
    return true;
  }

  /** Fill and outline RGBA (straight alpha, packed as in ImageData) at a source pixel. */
  pixelAt(x: number, y: number): { fill: number; line: number } {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return { fill: 0, line: 0 };
    const p = y * this.width + x;
    return { fill: this.fill.px[p], line: this.line.px[p] };
  }

  /** Index of the layer drawn at a pixel, or -1. */
  labelAt(x: number, y: number): number {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return -1;
    return this.compositor.labels[y * this.width + x] - 1;
  }
}
