/**
 * What each legend row says: colour, area at the current threshold (pixels, mm² when the pixel
 * spacing is known), instances, validity. Pure, so the wording is unit-tested.
 */
import type { TargetStatus } from '../src/shared/protocol';
import * as l10n from '@vscode/l10n';

export interface LegendInput {
  target: string;
  label: string;
  status: TargetStatus;
  pValue: number | null;
  /** Pixels shown at the current threshold. */
  areaPixels: number;
  instances: number;
}

export function formatArea(pixels: number, pixelSpacing?: [number, number]): string {
  const px = `${pixels.toLocaleString('en-US')} px`; // l10n-ignore: a unit symbol
  if (!pixelSpacing) return px;
  const mm2 = pixels * pixelSpacing[0] * pixelSpacing[1];
  const mm = mm2 >= 100 ? Math.round(mm2).toLocaleString('en-US') : mm2.toFixed(1);
  return `${px} · ${mm} mm²`;
}

export function formatPValue(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return '';
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p.toFixed(3)}`;
}

export function statusText(status: TargetStatus, pValue: number | null): string {
  const p = formatPValue(pValue);
  switch (status) {
    case 'valid':
      return p ? l10n.t('valid ({0})', p) : l10n.t('valid');
    case 'likely-absent':
      return p ? l10n.t('likely absent ({0})', p) : l10n.t('likely absent');
    case 'not-found':
      return l10n.t('not found');
    case 'not-assessed':
      return l10n.t('not assessed');
    default: {
      const never: never = status;
      return never;
    }
  }
}

export function instancesText(n: number): string {
  return n === 1 ? l10n.t('1 instance') : l10n.t('{0} instances', n);
}

/** One sentence per target for the canvas's text alternative. */
export function describeRow(row: LegendInput, pixelSpacing?: [number, number]): string {
  const name = row.label && row.label !== row.target ? `${row.target} (${row.label})` : row.target;
  if (row.status === 'not-found') return l10n.t('{0}: not found.', name);
  return `${name}: ${formatArea(row.areaPixels, pixelSpacing)}, ${instancesText(row.instances)}, ${statusText(row.status, row.pValue)}.`;
}
