import type { HistoryEntry, HistoryVolume } from './resultStore';

/**
 * What Run Again asks for: the request that made a History entry, so that the same image (slice,
 * frame), prompts, modality, site and CT window make the same model input. Without the window a
 * CT parsed with, say, the lung window would be run again with the setting's or the site's.
 */
export function rerunParseRequest(entry: HistoryEntry): {
  kind: 'parse';
  file: string;
  slice?: number;
  frame?: number;
  prompts: string[];
  modality?: string;
  site?: string;
  ctWindow?: string;
} {
  return {
    kind: 'parse',
    file: entry.file,
    slice: entry.slice,
    frame: entry.frame,
    prompts: entry.prompts,
    modality: entry.modality,
    site: entry.site,
    ...(entry.ctWindow ? { ctWindow: entry.ctWindow } : {}),
  };
}

/** The whole-volume request that made a volume entry (see rerunParseRequest). */
export function rerunVolumeRequest(
  entry: HistoryEntry,
  volume: HistoryVolume,
): {
  prompts: string[];
  mode: HistoryVolume['mode'];
  range?: [number, number];
  modality?: string;
  site?: string;
  ctWindow?: string;
} {
  return {
    prompts: entry.prompts,
    mode: volume.mode,
    range: volume.mode === 'slices' ? volume.range : undefined,
    modality: entry.modality,
    site: entry.site,
    ...(entry.ctWindow ? { ctWindow: entry.ctWindow } : {}),
  };
}
