import assert from 'node:assert/strict';
import { ANALYSIS_BUDGET_MS, runAnalysisBench } from '../../../bench/analysis.bench';

describe('analysis: performance', () => {
  it(`analyses 16 masks at 1024² (components, p-values, areas) in under ${ANALYSIS_BUDGET_MS} ms (median)`, async function () {
    this.timeout(180000);
    // Other test processes may share the cores: a median over 9 runs, retried up to 3 times,
    // and the best of those medians must be in budget.
    const medians: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = await runAnalysisBench(9);
      assert.ok(r.components > 16, 'the maps have objects to find');
      medians.push(r.analysisMedianMs);
      if (r.analysisMedianMs < ANALYSIS_BUDGET_MS) break;
    }
    console.log(`      medians ${medians.map((m) => m.toFixed(1)).join(', ')} ms for 16 masks`);
    assert.ok(Math.min(...medians) < ANALYSIS_BUDGET_MS, `medians ${medians.join(', ')} ms`);
  });
});
