import * as path from 'node:path';
import * as vscode from 'vscode';
import type { IntensitySpec, SourceImage } from '../imaging';
import { openSourceImage } from '../editors/sliceSource';
import { parseImage, recognizeImage } from '../pipeline/parse';
import type { ResultStore } from '../history/resultStore';
import type { ParseResult } from '../shared/protocol';
import { intensityForRun } from '../pipeline/intensity';
import type { EndpointManager } from './endpoints/endpointManager';
import type { ExtensionLog } from './log';
import { UserCancelledError } from './userError';
import { ModalityMemory } from './modalityMemory';
import { hasNoDicomTags, privacyConfirmationKey, privacyDetail } from './privacyText';

export type RunRequest = {
  file: string;
  /** Already opened (the viewer has it); opened here otherwise. */
  image?: SourceImage;
  slice?: number;
  frame?: number;
  /** The DICOM series of a folder `file` holds several of: kept in History for Open and Run Again. */
  seriesInstanceUid?: string;
} & (
  | { kind: 'parse'; prompts: string[]; modality?: string; site?: string; ctWindow?: string }
  | { kind: 'recognition'; modalityKey: string }
);

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (message: string, increment?: number) => void;
  /** Skip the modal confirmations (batch runs confirm once up front). */
  confirmed?: boolean;
}

/** The model-input intensity for a run: CT windows follow the chosen site unless overridden. */
export function intensityFor(
  image: SourceImage,
  modality: string | undefined,
  site: string | undefined,
  ctWindow: string | undefined,
): IntensitySpec {
  const configured = vscode.workspace
    .getConfiguration('medimageparse')
    .get<string>('preprocessing.ctWindow', 'auto');
  return intensityForRun(image, modality, site, [ctWindow, configured]);
}

/**
 * Runs parses and recognitions for the UI: the safety confirmations, the endpoint client, the
 * pipeline, and History. Used by the viewer and by the explorer commands alike.
 */
export class ParseRunner {
  /**
   * The user's modality choice per file. Kept here because the runner already owns this
   * workspace's state (the privacy confirmations), and the viewer and the explorer commands
   * both reach the runner.
   */
  readonly modalities: ModalityMemory;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly endpoints: EndpointManager,
    private readonly history: ResultStore,
    private readonly log: ExtensionLog,
    private readonly onResult: (file: string, result: ParseResult) => void,
  ) {
    this.modalities = new ModalityMemory(context.workspaceState);
  }

  /**
   * Before the first request to a real endpoint from this workspace, say what leaves the machine
   * and that the model is for research; the user confirms once per endpoint.
   */
  async confirmPrivacy(
    endpointName: string,
    isDemo: boolean,
    sampleBytes?: number,
    /** The image has no DICOM tags (see hasNoDicomTags): its pixels may carry identity unflagged. */
    untagged = false,
  ): Promise<void> {
    if (isDemo) return;
    const key = privacyConfirmationKey(endpointName, untagged);
    if (this.context.workspaceState.get<boolean>(key)) return;
    const send = vscode.l10n.t('Send');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t("Send images to endpoint '{0}'?", endpointName),
      { modal: true, detail: privacyDetail({ sampleBytes, untagged }) },
      send,
    );
    if (choice !== send)
      throw new UserCancelledError(vscode.l10n.t('Nothing was sent: the request was not confirmed.'));
    await this.context.workspaceState.update(key, true);
  }

  /**
   * Asks before sending an image marked BurnedInAnnotation = YES; `volume`: every slice of it
   * would be sent (the whole-volume run asks the same question).
   */
  async confirmBurnedIn(image: SourceImage, scope: 'image' | 'volume' = 'image'): Promise<void> {
    if (!image.burnedInAnnotation) return;
    const sendAnyway = vscode.l10n.t('Send Anyway');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t(
        '{0} says it has burned-in annotation (BurnedInAnnotation = YES).',
        path.basename(image.file),
      ),
      {
        modal: true,
        detail:
          scope === 'volume'
            ? vscode.l10n.t(
                'Text in the pixels may identify the patient, and every slice of the volume would be sent. Send anyway only if you have checked the images.',
              )
            : vscode.l10n.t(
                'Text in the pixels may identify the patient, and pixels are what is sent. Send anyway only if you have checked the image.',
              ),
      },
      sendAnyway,
    );
    if (choice !== sendAnyway)
      throw new UserCancelledError(
        scope === 'volume'
          ? vscode.l10n.t('Nothing was sent: the images may carry burned-in patient information.')
          : vscode.l10n.t('Nothing was sent: the image may carry burned-in patient information.'),
      );
  }

  async run(request: RunRequest, options: RunOptions = {}): Promise<ParseResult> {
    const { client, entry } = await this.endpoints.client();
    const image =
      request.image ??
      // A series folder (a result of the series viewer) opens the slice the result was made on.
      (await openSourceImage(request.file, {
        slice: request.slice,
        frame: request.frame,
        signal: options.signal,
      }));
    if (!options.confirmed) {
      await this.confirmPrivacy(entry.settings.name, entry.isDemo, undefined, hasNoDicomTags(image));
      await this.confirmBurnedIn(image);
    }
    const analysisSettings = vscode.workspace.getConfiguration('medimageparse.analysis');
    const common = {
      endpointName: entry.settings.name,
      deployment: entry.settings.deployment,
      pValueThreshold: analysisSettings.get<number>('pValueThreshold', 0.05),
    };
    const started = Date.now();
    const intensity =
      request.kind === 'parse'
        ? intensityFor(image, request.modality, request.site, request.ctWindow)
        : intensityFor(
            image,
            request.modalityKey.split('-')[0],
            request.modalityKey.split('-')[1]?.toLowerCase(),
            undefined,
          );
    try {
      const parsed =
        request.kind === 'parse'
          ? await parseImage(
              image,
              client,
              {
                ...common,
                prompts: request.prompts,
                modality: request.modality,
                site: request.site,
                intensity,
              },
              options,
            )
          : await recognizeImage(
              image,
              client,
              {
                ...common,
                modalityKey: request.modalityKey,
                maxPromptsPerRequest: vscode.workspace
                  .getConfiguration('medimageparse.request')
                  .get<number>('maxPromptsPerRequest', 16),
                intensity,
              },
              options,
            );
      // Kept with the result (and in History) so that Run Again makes the same model input.
      const result: ParseResult = intensity.kind === 'ct' ? { ...parsed, ctWindow: intensity.site } : parsed;
      this.endpoints.recordOutcome(entry.settings.name, { ok: true, latencyMs: Date.now() - started });
      await this.history.add(request.file, result, undefined, request.seriesInstanceUid);
      this.onResult(request.file, result);
      return result;
    } catch (error) {
      const message = this.log.redactor.redact(error instanceof Error ? error.message : String(error));
      if (!options.signal?.aborted) this.endpoints.recordOutcome(entry.settings.name, { ok: false, message });
      this.log.logger.error(`Parse of ${request.file} failed: ${message}`);
      throw error;
    }
  }
}
