/**
 * The Gaussian kernel of `scipy.ndimage.gaussian_filter` (used by scikit-image's anti-aliasing):
 * radius int(4·sigma + 0.5), weights exp(−x²/2σ²) normalised to sum 1. The convolution itself
 * (zeros outside the image) is fused into the resize passes in bspline.ts.
 */
export function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.floor(4 * sigma + 0.5);
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const w = Math.exp((-0.5 * i * i) / (sigma * sigma));
    kernel[i + radius] = w;
    sum += w;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  return kernel;
}
