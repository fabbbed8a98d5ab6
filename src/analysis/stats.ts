/** Summary statistics of a sample, as reported per target and per modality in an evaluation. */
export interface SampleSummary {
  n: number;
  mean: number | null;
  median: number | null;
  /** First and third quartiles (linear interpolation, numpy's default) and their difference. */
  q1: number | null;
  q3: number | null;
  iqr: number | null;
  min: number | null;
  max: number | null;
}

/** Summary of the values that are numbers (nulls are left out, and counted by the caller). */
export function summarize(values: readonly (number | null)[]): SampleSummary {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0)
    return { n: 0, mean: null, median: null, q1: null, q3: null, iqr: null, min: null, max: null };
  const q = (p: number) => {
    const rank = p * (xs.length - 1);
    const lo = Math.floor(rank);
    const hi = Math.min(xs.length - 1, lo + 1);
    return xs[lo] + (xs[hi] - xs[lo]) * (rank - lo);
  };
  const q1 = q(0.25);
  const q3 = q(0.75);
  return {
    n: xs.length,
    mean: xs.reduce((a, b) => a + b, 0) / xs.length,
    median: q(0.5),
    q1,
    q3,
    iqr: q3 - q1,
    min: xs[0],
    max: xs[xs.length - 1],
  };
}
