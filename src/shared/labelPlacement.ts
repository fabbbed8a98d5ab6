/**
 * Where object labels go so that none covers another: each label is tried at its object's centre,
 * then at growing distances around it (eight directions per ring); the first spot that overlaps
 * no label placed before it and stays inside the picture wins. A label moved off its object gets
 * a leader line back to it. Used by the viewer's canvas (and so by the exported overlay.png, a
 * picture of that canvas) and by the agents' overlay (src/export/overlay.ts). Pure.
 */

export interface LabelBox {
  /** The object's anchor (its centroid), in the picture's coordinates. */
  x: number;
  y: number;
  /** The label's size in the same units. */
  width: number;
  height: number;
}

export interface PlacedLabel {
  /** Top-left corner of the label. */
  left: number;
  top: number;
  /** The label sits away from its anchor: draw a leader line from the anchor to it. */
  leader: boolean;
}

interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

const overlap = (a: Rect, b: Rect) =>
  Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left)) *
  Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));

/** Unit directions tried on each ring: right, left, down, up, then the diagonals. */
const DIRECTIONS: readonly [number, number][] = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
  [1, 1],
  [-1, 1],
  [1, -1],
  [-1, -1],
];

/**
 * Places labels in the order given (put the most important first: it keeps its spot). `gap` is
 * the clear space kept between labels; `bounds` the picture's size. When no spot is free (a
 * crowded picture), the one overlapping least is taken.
 */
export function placeLabels(
  labels: readonly LabelBox[],
  bounds: { width: number; height: number },
  gap = 2,
): PlacedLabel[] {
  const placed: Rect[] = [];
  return labels.map((l) => {
    const clampLeft = (v: number) => Math.max(0, Math.min(bounds.width - l.width, v));
    const clampTop = (v: number) => Math.max(0, Math.min(bounds.height - l.height, v));
    const rectAt = (left: number, top: number): Rect => ({
      left: left - gap,
      top: top - gap,
      right: left + l.width + gap,
      bottom: top + l.height + gap,
    });
    const costAt = (r: Rect) => placed.reduce((sum, p) => sum + overlap(r, p), 0);
    const home = { left: clampLeft(l.x - l.width / 2), top: clampTop(l.y - l.height / 2) };
    let best = { ...home, cost: costAt(rectAt(home.left, home.top)) };
    // Rings a label-height apart vertically and a label-width apart sideways, out to 8 rings.
    for (let ring = 1; ring <= 8 && best.cost > 0; ring++) {
      for (const [dx, dy] of DIRECTIONS) {
        const left = clampLeft(l.x - l.width / 2 + dx * ring * (l.width / 2 + gap * 2));
        const top = clampTop(l.y - l.height / 2 + dy * ring * (l.height + gap * 2));
        const cost = costAt(rectAt(left, top));
        if (cost < best.cost) best = { left, top, cost };
        if (cost === 0) break;
      }
    }
    placed.push(rectAt(best.left, best.top));
    const moved = Math.hypot(best.left - home.left, best.top - home.top);
    // The anchor no longer inside the label: it needs a line to say whose label it is.
    const inside =
      l.x >= best.left && l.x <= best.left + l.width && l.y >= best.top && l.y <= best.top + l.height;
    return { left: best.left, top: best.top, leader: moved > 0 && !inside };
  });
}
