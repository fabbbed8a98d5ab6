import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import type { SourceImage } from '../imaging';
import {
  extractPlane,
  planeCount,
  planeOrientation,
  planePixelSpacing,
  planeSize,
  volumePlanes,
  type VolumePlane,
} from '../imaging/reformat';
import {
  openVolumeSource,
  readVolumeValues,
  seriesVolumeSource,
  type VolumeSource,
} from '../imaging/volumeSource';
import type { VolumeRecord } from '../history/volumeRecord';
import { volumeCache, type FileStamp } from '../imaging/volumeCache';
import type { VolumeParseResult } from '../pipeline/parseVolume';
import { planeResult, volumeSummary, withoutLikelyAbsent, type VolumeRun } from '../pipeline/volumeView';
import type { PlaneName } from '../shared/orientation';
import type { ParseResult, ViewerImage, VolumeSummary } from '../shared/protocol';
import type { SliceSource } from './sliceSource';

/**
 * The volume side of a viewer (no `vscode` here): whether what it shows is a volume (a DICOM
 * series or a 3D NIfTI, grey values), its planes and their reformatted images, and the
 * whole-volume result on screen with each plane image's share of it.
 */
export class VolumeViewer {
  private volumePromise?: Promise<VolumeSource | undefined>;
  /** A read of the volume's values under way (two reformat steps at once read it once). */
  private reading?: Promise<Float32Array>;
  /** The values' range, kept apart (two numbers) since the values themselves may be let go. */
  private range?: { min: number; max: number };
  private run?: VolumeRun;
  private hidden?: VolumeParseResult;
  hideLikelyAbsent = false;

  constructor(private readonly source: () => Promise<SliceSource>) {}

  /**
   * The volume the viewer shows, or undefined for a single image, a time series or a colour
   * volume. `image` is one of the viewer's images (it tells a volume from a single image).
   */
  volume(image: SourceImage): Promise<VolumeSource | undefined> {
    this.volumePromise ??= (async () => {
      const count = image.slice?.count ?? 1;
      if (count < 2 || image.channels !== 1 || (image.frame?.count ?? 1) > 1) return undefined;
      const src = await this.source();
      if (src.series) return seriesVolumeSource(src.path, src.series);
      return image.nifti ? openVolumeSource(src.path) : undefined;
    })();
    this.volumePromise.catch(() => (this.volumePromise = undefined));
    return this.volumePromise;
  }

  async planes(image: SourceImage): Promise<VolumePlane[] | undefined> {
    const volume = await this.volume(image);
    return volume && volumePlanes(volume);
  }

  /** The plane fields of an acquisition-plane image (nothing for single images). */
  async acquiredPlane(image: SourceImage): Promise<Pick<ViewerImage, 'plane'>> {
    const planes = await this.planes(image);
    if (!planes) return {};
    return { plane: { name: planes[0].name, acquired: true, planes: planes.map((p) => p.name) } };
  }

  /**
   * The whole volume's values (grid order, float32: 4 bytes a voxel, twice a CT's file) and their
   * range, for reformats. They are kept in the viewer's volume cache, so they count against
   * `medimageparse.viewer.volumeMemoryMB` with the volumes' bytes and go least recently used
   * first across viewers; when let go they are read again on the next reformat step, and a
   * volume whose values do not fit the budget at all is read for each step (what the budget asks).
   */
  private async volumeValues(
    volume: VolumeSource,
    signal?: AbortSignal,
  ): Promise<{ values: Float32Array; min: number; max: number }> {
    const key = reformatCacheKey(volume);
    const stamp = reformatStamp(volume);
    const kept = volumeCache.get(key, stamp);
    if (kept && this.range) {
      const values = new Float32Array(kept.buffer, kept.byteOffset, kept.byteLength / 4);
      return { values, ...this.range };
    }
    this.reading ??= readVolumeValues(volume, signal).finally(() => (this.reading = undefined));
    const values = await this.reading;
    if (!this.range) {
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v < min) min = v;
        if (v > max) max = v;
      }
      this.range = { min, max };
    }
    volumeCache.put(key, stamp, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    return { values, ...this.range };
  }

  /**
   * Image `index` (clamped; the middle one by default) of the reformat `name`, shown like the
   * acquisition's slices (`like`: its window, modality hint, burned-in flag).
   */
  async reformat(
    like: SourceImage,
    name: PlaneName,
    index: number | undefined,
    window: { lower: number; upper: number } | undefined,
  ): Promise<{ viewerImage: ViewerImage; plane: VolumePlane; index: number } | undefined> {
    const volume = await this.volume(like);
    if (!volume) return undefined;
    const planes = volumePlanes(volume);
    const plane = planes.find((p) => p.name === name);
    if (!plane || plane.fixed === 2) return undefined;
    const count = planeCount(volume, plane);
    const at = Math.max(0, Math.min(count - 1, index ?? Math.floor(count / 2)));
    const { values, min, max } = await this.volumeValues(volume);
    const [width, height] = planeSize(volume, plane);
    const [sy, sx] = planePixelSpacing(volume, plane);
    const unit = Math.min(sx, sy) || 1;
    const orientation = planeOrientation(volume, plane);
    const viewerImage: ViewerImage = {
      fileName: `${path.basename(volume.input)} (${name})`,
      format: volume.kind === 'nifti' ? 'nifti' : 'dicom',
      width,
      height,
      channels: 1,
      pixels: extractPlane(values, volume, plane, at),
      range: { min, max },
      defaultWindow: window ?? { lower: min, upper: max > min ? max : min + 1 },
      pixelSpacing: [sy, sx],
      slice: { index: at, count },
      suggestion: { modality: like.modalityHint, site: like.bodyPartHint },
      burnedInAnnotation: like.burnedInAnnotation,
      ...(orientation ? { orientation } : {}),
      ...(volume.warnings.length ? { warnings: volume.warnings } : {}),
      plane: { name, acquired: false, planes: planes.map((p) => p.name) },
      cellAspect: [sx / unit, sy / unit],
    };
    return { viewerImage, plane, index: at };
  }

  /** Shows `run` (replacing any earlier volume result). */
  setRun(run: VolumeRun | undefined): void {
    this.run = run;
    this.hidden = undefined;
  }

  /**
   * Shows a kept volume result (History, a Reload Window) once it is known to lie on this very
   * volume: same grid and, for a folder, the same series. Anything else is an error, never masks
   * put on the wrong voxels.
   */
  async adopt(record: VolumeRecord, like: SourceImage): Promise<void> {
    const volume = await this.volume(like);
    const name = path.basename((await this.source()).path);
    if (!volume)
      throw new Error(l10n.t('{0} is not a volume now, so its volume result cannot be shown.', name));
    const { dims, seriesInstanceUid } = record.grid;
    if (seriesInstanceUid && volume.series?.seriesInstanceUid !== seriesInstanceUid)
      throw new Error(
        l10n.t(
          'The volume result was made on another series of {0} ({1}); open that series to see it.',
          name,
          seriesInstanceUid,
        ),
      );
    if (dims.some((d, i) => d !== volume.dims[i]))
      throw new Error(
        l10n.t(
          'The volume result of {0} was made on a {1} volume, but it is {2} now: run the volume again.',
          name,
          dims.join('×'),
          volume.dims.join('×'),
        ),
      );
    this.setRun(record.run);
  }

  get current(): VolumeRun | undefined {
    return this.run;
  }

  /** Whether `resultId` is one plane image's share of the volume result on screen. */
  owns(resultId: string): boolean {
    return !!this.run && resultId.startsWith(`${this.run.id}:`);
  }

  /** The result as shown: without likely-absent slices when the user asked for that. */
  shown(volume: Pick<VolumeSource, 'dims' | 'spacing'>): VolumeParseResult | undefined {
    if (!this.run) return undefined;
    if (!this.hideLikelyAbsent) return this.run.result;
    this.hidden ??= withoutLikelyAbsent(this.run.result, volume);
    return this.hidden;
  }

  async summary(image: SourceImage): Promise<VolumeSummary | undefined> {
    const volume = await this.volume(image);
    const shown = volume && this.shown(volume);
    return this.run && shown ? volumeSummary(this.run, shown, this.hideLikelyAbsent) : undefined;
  }

  /** The share of the volume result on the image `viewerImage` (an acquisition slice or a reformat). */
  async resultFor(like: SourceImage, viewerImage: ViewerImage): Promise<ParseResult | undefined> {
    if (!this.run || !viewerImage.slice || !viewerImage.plane) return undefined;
    const volume = await this.volume(like);
    const shown = volume && this.shown(volume);
    if (!volume || !shown) return undefined;
    const plane = volumePlanes(volume).find((p) => p.name === viewerImage.plane!.name);
    if (!plane) return undefined;
    return planeResult(this.run, shown, volume, plane, viewerImage.slice.index, viewerImage);
  }

  /** Lets the volume's values go (the viewer closed). */
  dispose(): void {
    void this.volumePromise?.then((volume) => volume && volumeCache.forget(reformatCacheKey(volume)));
    this.range = undefined;
    this.run = undefined;
    this.hidden = undefined;
  }
}

/** The cache entry of a volume's reformat values (one per volume: viewers of it share them). */
export function reformatCacheKey(volume: Pick<VolumeSource, 'input' | 'series'>): string {
  return `${volume.input}\0reformat\0${volume.series?.seriesInstanceUid ?? ''}`;
}

/** Values are read from the volume as the viewer opened it: their size is their version. */
function reformatStamp(volume: Pick<VolumeSource, 'dims'>): FileStamp {
  return { size: volume.dims[0] * volume.dims[1] * volume.dims[2] * 4, mtimeMs: 0 };
}
