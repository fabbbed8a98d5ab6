/**
 * "Compare with ground truth": the predicted masks against the ground truth found next to the
 * image, drawn as one layer: true positives green, false positives (predicted only) red, false
 * negatives (truth only) blue, the colours of the evaluation report. Where targets overlap, an
 * error shows over agreement. Also each target's Dice at the current threshold for the legend.
 */
import * as l10n from '@vscode/l10n';

/** RGBA of each class, as the evaluation report's thumbnails. */
const TP = [40, 200, 80];
const FP = [235, 60, 50];
const FN = [50, 130, 255];

export { diceAt } from './compareModel';

export interface CompareTarget {
  /** Probability map, 0–255, at the image's size. */
  pred: Uint8Array;
  /** Ground truth, 0/1. */
  truth: Uint8Array;
  visible: boolean;
}

export class CompareLayer {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly data: ImageData;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = width;
    this.canvas.height = height;
    this.canvas.className = 'layer layer-compare';
    this.canvas.dataset.testid = 'compare-layer';
    this.canvas.setAttribute('aria-hidden', 'true');
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error(l10n.t('Canvas 2D is not available.'));
    this.ctx = ctx;
    this.data = ctx.createImageData(width, height);
  }

  /** Redraws the layer for the visible targets at `minByte`. */
  update(targets: readonly CompareTarget[], minByte: number): void {
    const px = this.data.data;
    px.fill(0);
    const shown = targets.filter((t) => t.visible);
    const n = this.width * this.height;
    for (let i = 0; i < n; i++) {
      let fp = false;
      let fn = false;
      let tp = false;
      for (const t of shown) {
        const a = t.pred[i] >= minByte;
        const b = t.truth[i] !== 0;
        if (a && b) tp = true;
        else if (a) fp = true;
        else if (b) fn = true;
      }
      const c = fp ? FP : fn ? FN : tp ? TP : undefined;
      if (!c) continue;
      const o = i * 4;
      px[o] = c[0];
      px[o + 1] = c[1];
      px[o + 2] = c[2];
      px[o + 3] = 255;
    }
    this.ctx.putImageData(this.data, 0, 0);
  }
}
