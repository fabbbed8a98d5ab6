/**
 * The mask overlay at source resolution, as two canvases the stage stacks over the image:
 * fills and outlines. It owns the precomputed layers and scratch buffers and repaints only when
 * the shown pixels change (threshold, visibility, dimming, outline width). Opacity and style are
 * CSS on those canvases (see Stage), so they cost no repaint at all.
 */
import { colorFor, type Rgb } from './palette';
import {
  composeLabels,
  labelColors,
  minByteFor,
  paintLayers,
  prepareLayer,
  type MaskLayer,
  type RowSpan,
} from './layers';

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
    if (!ctx) throw new Error('Canvas 2D is not available.');
    this.ctx = ctx;
    this.data = ctx.createImageData(width, height);
    this.px = new Uint32Array(this.data.data.buffer);
  }

  put(rows: RowSpan, width: number): void {
    if (rows.to < rows.from) return;
    this.ctx.putImageData(this.data, 0, 0, 0, rows.from, width, rows.to - rows.from + 1);
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
  private readonly labels: Uint8Array;
  private readonly best: Uint8Array;
  private span: RowSpan = { from: 1, to: 0 };
  private last?: { minByte: number; visible: string; dimmed: string; outlineWidth: number };

  constructor(masks: Uint8Array[], width: number, height: number) {
    this.width = width;
    this.height = height;
    this.layers = masks.map(prepareLayer);
    this.colors = masks.map((_, i) => colorFor(i));
    this.labels = new Uint8Array(width * height);
    this.best = new Uint8Array(width * height);
    this.fill = new Layer(width, height, 'layer-fill');
    this.line = new Layer(width, height, 'layer-line');
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
      return false;
    }
    const t0 = performance.now();
    const previous = this.span;
    this.span = composeLabels(this.layers, p.visible, minByte, this.labels, this.best, this.width);
    const t1 = performance.now();
    paintLayers(
      this.labels,
      this.width,
      this.height,
      labelColors(this.colors, p.dimmed),
      p.outlineWidth,
      this.span,
      previous,
      this.fill.px,
      this.line.px,
    );
    const t2 = performance.now();
    const dirty = { from: Math.min(previous.from, this.span.from), to: Math.max(previous.to, this.span.to) };
    if (previous.to < previous.from) Object.assign(dirty, this.span);
    else if (this.span.to < this.span.from) Object.assign(dirty, previous);
    this.fill.put(dirty, this.width);
    this.line.put(dirty, this.width);
    this.timings = { compose: t1 - t0, paint: t2 - t1, put: performance.now() - t2 };
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
    return this.labels[y * this.width + x] - 1;
  }
}
