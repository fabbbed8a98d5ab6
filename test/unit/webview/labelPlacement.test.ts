import assert from 'node:assert/strict';
import { placeLabels, type LabelBox } from '../../../src/shared/labelPlacement';

const intersects = (
  a: { left: number; top: number },
  b: { left: number; top: number },
  w: LabelBox,
  v: LabelBox,
) =>
  a.left < b.left + v.width &&
  b.left < a.left + w.width &&
  a.top < b.top + v.height &&
  b.top < a.top + w.height;

describe('label placement', () => {
  it('leaves a lone label on its object, with no leader line', () => {
    const [p] = placeLabels([{ x: 100, y: 50, width: 40, height: 18 }], { width: 300, height: 300 });
    assert.deepEqual(p, { left: 80, top: 41, leader: false });
  });

  it('moves labels whose objects are close ("right adrenal gland" / "postcava") so none overlaps, with leader lines', () => {
    const labels: LabelBox[] = [
      { x: 300, y: 200, width: 120, height: 18 }, // right adrenal gland
      { x: 310, y: 205, width: 60, height: 18 }, // postcava
      { x: 295, y: 210, width: 40, height: 18 }, // aorta
      { x: 305, y: 198, width: 110, height: 18 }, // left adrenal gland
    ];
    const placed = placeLabels(labels, { width: 1024, height: 1024 });
    for (let i = 0; i < labels.length; i++)
      for (let j = i + 1; j < labels.length; j++)
        assert.ok(!intersects(placed[i], placed[j], labels[i], labels[j]), `labels ${i} and ${j} overlap`);
    assert.equal(placed[0].leader, false, 'the first keeps its spot');
    assert.ok(
      placed.slice(1).some((p) => p.leader),
      'a moved label points back to its object',
    );
  });

  it('keeps labels inside the picture', () => {
    const placed = placeLabels(
      [
        { x: 2, y: 2, width: 50, height: 18 },
        { x: 4, y: 3, width: 50, height: 18 },
      ],
      { width: 200, height: 100 },
    );
    for (const p of placed) assert.ok(p.left >= 0 && p.top >= 0 && p.left + 50 <= 200 && p.top + 18 <= 100);
    assert.ok(
      !intersects(
        placed[0],
        placed[1],
        { x: 0, y: 0, width: 50, height: 18 },
        { x: 0, y: 0, width: 50, height: 18 },
      ),
    );
  });
});
