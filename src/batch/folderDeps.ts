import type { EndpointClient } from '../endpoint/client';
import { EndpointError } from '../endpoint/errors';
import { openImage } from '../imaging';
import { exportParseResult } from '../pipeline/exportResult';
import { intensityForRun } from '../pipeline/intensity';
import { parseImage, recognizeImage } from '../pipeline/parse';
import type { BatchDeps } from './folderBatch';

export interface FolderEndpoint {
  client: EndpointClient;
  endpointName: string;
  deployment?: string;
  /** Written (redacted) into each report. */
  endpointUrl?: string;
  pValueThreshold?: number;
  maxPromptsPerRequest?: number;
  /** A configured CT window that overrides the one of each image's site ('auto': none). */
  ctWindow?: string;
}

/**
 * The real steps of a Parse Folder run (open, model input, endpoint, analysis, export), shared
 * by the explorer command and `medparse parse-folder` so both give the same result.
 */
export function endpointFolderDeps(endpoint: FolderEndpoint): BatchDeps {
  const common = {
    endpointName: endpoint.endpointName,
    deployment: endpoint.deployment,
    pValueThreshold: endpoint.pValueThreshold,
  };
  return {
    open: (file, signal) => openImage(file, { signal }),
    run: (image, plan, signal) => {
      const intensity = intensityForRun(image, plan.modality, plan.site, [endpoint.ctWindow]);
      return plan.kind === 'recognition'
        ? recognizeImage(
            image,
            endpoint.client,
            {
              ...common,
              modalityKey: plan.modalityKey!,
              maxPromptsPerRequest: endpoint.maxPromptsPerRequest,
              intensity,
            },
            { signal },
          )
        : parseImage(
            image,
            endpoint.client,
            {
              ...common,
              prompts: plan.prompts,
              modality: plan.modality,
              site: plan.site,
              modalityKey: plan.modalityKey,
              intensity,
            },
            { signal },
          );
    },
    exportResult: async (image, result, parentDir) =>
      (
        await exportParseResult(image, result, {
          parentDir,
          endpointUrl: endpoint.endpointUrl,
          pValueThreshold: endpoint.pValueThreshold,
        })
      ).dir,
    isRateLimited: (error) => error instanceof EndpointError && error.kind === 'rate-limited',
  };
}
