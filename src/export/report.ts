import type { ComponentsResult } from '../analysis/components';
import type { TargetStatus } from '../analysis/pvalue';

/** Version of the JSON report layout; bump when a field changes meaning or disappears. */
export const REPORT_SCHEMA_VERSION = 1;

export interface ReportTarget {
  name: string;
  /** Pixels above the mask threshold, at source resolution. */
  area: number;
  areaMm2?: number;
  /** Number of connected components (8-connected). */
  instances: number;
  boxes: {
    x: number;
    y: number;
    width: number;
    height: number;
    area: number;
    areaMm2?: number;
    centroid: { x: number; y: number };
  }[];
  /** Adjusted p-value of the invalid-prompt check; null when not assessed. */
  pValue: number | null;
  validity: TargetStatus;
  /** Label value of this target in the label map (0: not in it). */
  label: number;
  /** Mask PNG file name inside the export folder, when written. */
  maskFile?: string;
}

/** The JSON report written with every export. */
export interface ExportReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  app: { name: string; version: string };
  /** ISO 8601 time of the export. */
  createdAt: string;
  source: {
    file: string;
    format?: string;
    width: number;
    height: number;
    pixelSpacing?: readonly [number, number];
    slice?: { index: number; count: number };
    frame?: { index: number; count: number };
    sopInstanceUID?: string;
  };
  modality: { key?: string; modality?: string; site?: string };
  prompts: string[];
  /** Scoring URI without credentials, query or fragment; the deployment name when one was chosen. */
  endpoint: { url?: string; deployment?: string };
  /** Threshold a mask value must exceed to count as inside the object (0–255 scale). */
  maskThreshold: number;
  /** Significance level of the invalid-prompt check, when known. */
  pThreshold?: number;
  targets: ReportTarget[];
  /** Label value → target name of the label map (index 0 is background). */
  labels: string[];
  /** Files written, relative to the export folder. */
  files: string[];
  /** 'demo-reference' when the masks are the demo endpoint's reference annotations, not model output. */
  resultSource?: 'endpoint' | 'demo-reference';
  notice: string;
}

/** Drops user info, query and fragment from a URL so no key or SAS token lands in a report. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

/** Report entry fields that come from detection. */
export function detectionFields(
  detection: ComponentsResult,
): Pick<ReportTarget, 'area' | 'areaMm2' | 'instances' | 'boxes'> {
  const fields: Pick<ReportTarget, 'area' | 'areaMm2' | 'instances' | 'boxes'> = {
    area: detection.totalArea,
    instances: detection.count,
    boxes: detection.components.map((c) => ({
      ...c.bbox,
      area: c.area,
      ...(c.areaMm2 !== undefined ? { areaMm2: c.areaMm2 } : {}),
      centroid: c.centroid,
    })),
  };
  if (detection.totalAreaMm2 !== undefined) fields.areaMm2 = detection.totalAreaMm2;
  return fields;
}
