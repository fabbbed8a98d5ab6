import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { displayUrl } from '../endpoint/config';
import { commitResultFolder, resultFolderName } from '../export/resultFolder';
import { buildVolumeExportFiles } from '../export/volumeExport';
import type { SourceImage } from '../imaging';
import type { VolumeSource } from '../imaging/volumeSource';
import {
  folderSliceStore,
  parseVolume,
  volumeExportTargets,
  type VolumeParseResult,
} from '../pipeline/parseVolume';
import { parseVolume3d } from '../pipeline/parseVolume3d';
import { VolumeProgress } from '../pipeline/volumeProgress';
import type { VolumeRun } from '../pipeline/volumeView';
import type { VolumeMode } from '../shared/protocol';
import { modalityKeyFor } from '../shared/targets';
import type { EndpointManager } from './endpoints/endpointManager';
import { volumeModesOf } from './endpoints/endpointSettings';
import type { ExtensionLog } from './log';
import { intensityFor, type ParseRunner } from './parseRunner';
import { RunBusyError } from './userError';

export interface VolumeRunRequest {
  prompts: string[];
  mode: VolumeMode;
  /** Acquisition slices, first and last (0-based); all by default. */
  range?: [number, number];
  modality?: string;
  site?: string;
  ctWindow?: string;
  /** The slice on screen: its burned-in flag is checked and its modality hints the CT window. */
  image: SourceImage;
}

/**
 * Whole-volume runs for the viewer: the same confirmations as a single image, then the volume
 * flow (src/pipeline/parseVolume.ts, parseVolume3d.ts) with progress, cancellation and, slice by
 * slice, a store of finished slices in the extension's storage so a cancelled or failed run
 * continues where it stopped when it is started again with the same request.
 */
export class VolumeRunner {
  constructor(
    private readonly endpoints: EndpointManager,
    private readonly runner: ParseRunner,
    private readonly log: ExtensionLog,
    /** Where finished slices of unfinished runs are kept, one folder per request. */
    private readonly storeRoot: string,
  ) {}

  async run(
    volume: VolumeSource,
    request: VolumeRunRequest,
    options: { signal: AbortSignal; onProgress(message: string, increment?: number): void },
  ): Promise<VolumeRun> {
    // One run per volume, also across viewers of the same file (a panel and an editor tab):
    // two would send every slice twice and share the store of finished slices.
    const running = `${volume.input}\0${volume.series?.seriesInstanceUid ?? ''}`;
    if (this.running.has(running))
      throw new RunBusyError(
        vscode.l10n.t(
          '{0} is already being parsed in another viewer: wait for that run to finish, or cancel it there.',
          path.basename(volume.input),
        ),
      );
    this.running.add(running);
    try {
      return await this.runOnce(volume, request, options);
    } finally {
      this.running.delete(running);
    }
  }

  /** The volumes being parsed now (input and series). */
  private readonly running = new Set<string>();

  private async runOnce(
    volume: VolumeSource,
    request: VolumeRunRequest,
    options: { signal: AbortSignal; onProgress(message: string, increment?: number): void },
  ): Promise<VolumeRun> {
    const { client, entry } = await this.endpoints.client();
    const modes = volumeModesOf(entry.settings, entry.isDemo);
    if (!modes.includes(request.mode)) {
      throw new Error(
        request.mode === '3d'
          ? vscode.l10n.t(
              'Endpoint \'{0}\' serves the 2D model: parse the volume slice by slice, or choose an endpoint whose "model" is "3d".',
              entry.settings.name,
            )
          : vscode.l10n.t(
              "Endpoint '{0}' serves the MedImageParse 3D model: choose the 3D mode, or an endpoint that serves the 2D model.",
              entry.settings.name,
            ),
      );
    }
    await this.runner.confirmPrivacy(entry.settings.name, entry.isDemo);
    await this.runner.confirmBurnedIn(request.image, 'volume');
    const started = Date.now();
    const { signal, onProgress } = options;
    const modalityKey =
      request.modality && request.site ? modalityKeyFor(request.modality, request.site) : undefined;
    // Slice by slice, each slice's model input is made with this (3D mode sends the volume's own
    // values); its CT window is kept with the run so that Run Again makes the same input.
    const intensity = intensityFor(request.image, request.modality, request.site, request.ctWindow);
    const ctWindow = request.mode === 'slices' && intensity.kind === 'ct' ? intensity.site : undefined;
    try {
      let result: VolumeParseResult;
      if (request.mode === '3d') {
        onProgress(vscode.l10n.t("Reading the volume and sending it to '{0}'…", entry.settings.name));
        result = await parseVolume3d(
          volume,
          client,
          { prompts: request.prompts },
          {
            signal,
            onProgress: (done, total, target) =>
              onProgress(vscode.l10n.t('{0} / {1} targets ({2} done)', done, total, target), 100 / total),
          },
        );
      } else {
        const config = vscode.workspace.getConfiguration('medimageparse');
        const key = {
          input: volume.input,
          series: volume.series?.seriesInstanceUid,
          prompts: request.prompts,
          endpoint: entry.settings.name,
          url: entry.isDemo ? 'demo' : entry.settings.url,
          deployment: entry.settings.deployment,
          intensity,
          modalityKey: modalityKey ?? null,
        };
        const storeDir = path.join(
          this.storeRoot,
          createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 24),
        );
        const range = request.range ?? [0, volume.dims[2] - 1];
        const progress = new VolumeProgress(range[1] - range[0] + 1);
        onProgress(vscode.l10n.t('Parsing {0} slices…', range[1] - range[0] + 1));
        result = await parseVolume(
          volume,
          client,
          {
            prompts: request.prompts,
            endpointName: entry.settings.name,
            deployment: entry.settings.deployment,
            intensity,
            modalityKey,
            pValueThreshold: config.get<number>('analysis.pValueThreshold', 0.05),
            range,
            concurrency: config.get<number>('volume.concurrency', 2),
          },
          {
            signal,
            store: await folderSliceStore(storeDir, key),
            onProgress: (_done, _total, _slice, fromStore) => {
              const step = progress.slice(fromStore);
              onProgress(step.message, step.increment);
            },
            onRateLimited: (k) => {
              this.log.logger.warn(
                `Volume ${path.basename(volume.input)}: '${entry.settings.name}' answered HTTP 429 on slice ${k}; going on one slice at a time.`,
              );
              onProgress(vscode.l10n.t('The endpoint is busy (HTTP 429): going on one slice at a time…'));
            },
          },
        );
        // Finished: nothing left to resume.
        await fs.rm(storeDir, { recursive: true, force: true });
      }
      this.endpoints.recordOutcome(entry.settings.name, { ok: true, latencyMs: Date.now() - started });
      return {
        id: `vol-${randomUUID()}`,
        mode: request.mode,
        prompts: request.prompts,
        endpointName: entry.settings.name,
        deployment: entry.settings.deployment,
        modality: request.modality,
        site: request.site,
        modalityKey,
        ...(ctWindow ? { ctWindow } : {}),
        time: new Date().toISOString(),
        result,
      };
    } catch (error) {
      const message = this.log.redactor.redact(error instanceof Error ? error.message : String(error));
      if (!signal.aborted) {
        this.endpoints.recordOutcome(entry.settings.name, { ok: false, message });
        this.log.logger.error(`Volume parse of ${volume.input} failed: ${message}`);
      }
      throw error;
    }
  }

  /**
   * The viewer's Export for a volume result: a new result folder beside the source (or where the
   * user picks, with `medimageparse.export.location` = ask); undefined when the user cancelled.
   */
  async export(
    volume: VolumeSource,
    run: VolumeRun,
    shown: VolumeParseResult,
  ): Promise<{ dir: string; files: string[] } | undefined> {
    const config = vscode.workspace.getConfiguration('medimageparse');
    let parentDir: string | undefined;
    if (config.get<string>('export.location', 'besideImage') === 'ask') {
      const picked = await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        openLabel: vscode.l10n.t('Export Here'),
        defaultUri: vscode.Uri.file(path.dirname(volume.input)),
      });
      if (!picked?.[0]) return undefined;
      parentDir = picked[0].fsPath;
    }
    const entry = this.endpoints.get(run.endpointName);
    // The report names the endpoint without its query string (it can hold a key).
    const endpoint = !entry || entry.isDemo ? 'demo' : reportedUrl(entry.settings.url);
    const exported = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('MedImageParse: exporting the volume…'),
      },
      () => exportVolumeRun(volume, run, shown, { parentDir, endpoint }),
    );
    this.log.logger.info(`Exported ${exported.files.length} files to ${exported.dir}`);
    return exported;
  }
}

function reportedUrl(url: string): string {
  try {
    return displayUrl(new URL(url));
  } catch {
    return '(invalid URL)';
  }
}

/**
 * Writes a volume result beside its source (or in `parentDir`): labels.nii.gz, one
 * <target>.nii.gz per target, segmentation.dcm for a DICOM series, report.json, in a new result
 * folder (`<source>.medimageparse`, or `-2`, `-3` … when one exists: nothing is overwritten).
 */
export async function exportVolumeRun(
  volume: VolumeSource,
  run: VolumeRun,
  shown: VolumeParseResult,
  options: { parentDir?: string; endpoint: string },
): Promise<{ dir: string; files: string[] }> {
  const files = await buildVolumeExportFiles({
    input: volume.input,
    kind: volume.kind,
    seriesInstanceUid: volume.series?.seriesInstanceUid,
    series: volume.series,
    geometry: { dims: volume.dims, spacing: volume.spacing, affine: volume.affine },
    labels: shown.labels,
    targets: volumeExportTargets(shown),
    mode: run.mode,
    range: shown.range,
    endpoint: options.endpoint,
    source: shown.source,
    warnings: volume.warnings,
    time: run.time,
  });
  const parent = options.parentDir ?? path.dirname(volume.input);
  const dir = await commitResultFolder(files, {
    kind: 'next-free',
    base: path.join(parent, resultFolderName(volume.input)),
  });
  return { dir, files: files.map((f) => f.name) };
}
