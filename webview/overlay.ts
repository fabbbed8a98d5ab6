/**
 * The mask overlay at source resolution: owns the precomputed layers and scratch buffers, and
 * repaints only what a change needs (threshold/visibility → recompose labels; opacity/style/
 * outline width → recolour). The result is a canvas the stage draws with the image transform.
 */
import { colorFor, type Rgb } from './palette';
import { composeLabels, labelColors, minByteFor, paintOverlay, prepareLayer, type MaskLayer, type MaskStyle } from './layers';

export interface OverlayParams {
  threshold: number;
  visible: boolean[];
  dimmed: boolean[];
  style: MaskStyle;
  opacity: number;
  outlineWidth: number;
}

export class MaskOverlay {
  readonly canvas: HTMLCanvasElement;
  readonly width: number;
  readonly height: number;
  readonly layers: MaskLayer[];
  readonly colors: Rgb[];
  private readonly labels: Uint8Array;
  private readonly best: Uint8Array;
  private readonly imageData: ImageData;
  private readonly pixels32: Uint32Array;
  private readonly ctx: CanvasRenderingContext2D;
  private last?: { minByte: number; visible: string; dimmed: string; style: MaskStyle; opacity: number; outlineWidth: number };

  constructor(masks: Uint8Array[], width: number, height: number) {
    this.width = width;
    this.height = height;
    this.layers = masks.map(prepareLayer);
    this.colors = masks.map((_, i) => colorFor(i));
    this.labels = new Uint8Array(width * height);
    this.best = new Uint8Array(width * height);
    this.canvas = document.createElement('canvas');
    this.canvas.width = width;
    this.canvas.height = height;
    const ctx = this.canvas.getContext('2d', { willReadFrequently: false });
    if (!ctx) throw new Error('Canvas 2D is not available.');
    this.ctx = ctx;
    this.imageData = ctx.createImageData(width, height);
    this.pixels32 = new Uint32Array(this.imageData.data.buffer);
  }

  /** Brings the overlay canvas up to date; returns what was redone (for measurements). */
  update(p: OverlayParams): 'none' | 'recolour' | 'recompose' {
    const minByte = minByteFor(p.threshold);
    const visible = p.visible.map((v) => (v ? 1 : 0)).join('');
    const dimmed = p.dimmed.map((v) => (v ? 1 : 0)).join('');
    const l = this.last;
    const recompose = !l || l.minByte !== minByte || l.visible !== visible;
    const recolour = recompose || l.dimmed !== dimmed || l.style !== p.style || l.opacity !== p.opacity || l.outlineWidth !== p.outlineWidth;
    if (!recolour) return 'none';
    if (recompose) composeLabels(this.layers, p.visible, minByte, this.labels, this.best);
    const { fill, line } = labelColors(this.colors, p.dimmed, p.opacity);
    paintOverlay(this.labels, this.width, this.height, fill, line, { style: p.style, opacity: p.opacity, outlineWidth: p.outlineWidth }, this.pixels32);
    this.ctx.putImageData(this.imageData, 0, 0);
    this.last = { minByte, visible, dimmed, style: p.style, opacity: p.opacity, outlineWidth: p.outlineWidth };
    return recompose ? 'recompose' : 'recolour';
  }

  /** The overlay's straight-alpha RGBA at a source pixel, packed as in ImageData. */
  pixelAt(x: number, y: number): number {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return 0;
    return this.pixels32[y * this.width + x];
  }

  /** Index of the layer drawn at a pixel, or -1. */
  labelAt(x: number, y: number): number {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return -1;
    return this.labels[y * this.width + x] - 1;
  }
}
