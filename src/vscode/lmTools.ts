import * as path from 'node:path';
import { isUntaggedRasterName, untaggedNote } from './privacyText';
import * as vscode from 'vscode';
import {
  inspectTool,
  parseTool,
  recognizeTool,
  resolveInRoots,
  targetsTool,
  toolErrorText,
  type ToolAnswer,
} from '../agents/tools';
import type { ResultStore } from '../history/resultStore';
import type { ParseResult } from '../shared/protocol';
import type { EndpointManager } from './endpoints/endpointManager';
import type { ExtensionLog } from './log';

/**
 * MedImageParse as tools for VS Code's agent mode (`languageModelTools` in package.json): the
 * same parse, recognize, targets and inspect as the MCP server (src/agents), on the active
 * endpoint. Before anything is sent, the confirmation says which image, which endpoint and what
 * leaves the machine; Restricted Mode refuses sending as the viewer does; only files in the
 * workspace are read. A parse opens the image in the viewer with its result and adds it to History.
 */

export const LM_TOOL_NAMES = {
  parse: 'medimageparse_parse',
  recognize: 'medimageparse_recognize',
  targets: 'medimageparse_targets',
  inspect: 'medimageparse_inspect',
} as const;

interface Deps {
  endpoints: EndpointManager;
  history: ResultStore;
  log: ExtensionLog;
  /** Shows a result in the viewer of its image. */
  show(file: string, result: ParseResult): void;
}

interface ImageInput {
  image: string;
  slice?: number;
  frame?: number;
}

function roots(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
}

function toResult(answer: ToolAnswer): vscode.LanguageModelToolResult {
  // Text the model reasons with, then the same as JSON for exact figures and file paths.
  return new vscode.LanguageModelToolResult([
    new vscode.LanguageModelTextPart(answer.text),
    new vscode.LanguageModelTextPart(JSON.stringify(answer.data)),
  ]);
}

async function guarded(run: () => Promise<ToolAnswer> | ToolAnswer): Promise<vscode.LanguageModelToolResult> {
  try {
    return toResult(await run());
  } catch (error) {
    // Thrown errors reach the model as the tool's failure message; keep them one clear line.
    throw new Error(toolErrorText(error), { cause: error });
  }
}

/** The confirmation shown before an image leaves the machine. */
async function sendingConfirmation(
  deps: Deps,
  input: ImageInput,
  what: string,
): Promise<vscode.PreparedToolInvocation> {
  const blocked = deps.endpoints.sendBlockedReason();
  if (blocked) throw new Error(blocked);
  const entry = deps.endpoints.active();
  const file = await resolveInRoots(input.image, roots()).catch((error: unknown) => {
    throw new Error(toolErrorText(error));
  });
  const name = path.basename(file);
  const where = entry?.isDemo
    ? vscode.l10n.t(
        'the built-in **demo** endpoint on this machine (it answers with reference annotations of the shipped samples, not model output)',
      )
    : vscode.l10n.t('endpoint **{0}**', entry?.settings.name ?? '?');
  const message = new vscode.MarkdownString(
    [
      vscode.l10n.t(
        '{0} in `{1}`{2} with {3}.',
        what,
        name,
        input.slice !== undefined ? vscode.l10n.t(' (slice {0})', input.slice) : '',
        where,
      ),
      '',
      vscode.l10n.t(
        'What leaves this machine: a 1024×1024 PNG of the pixel values and the target text — no DICOM tags, no file names. Make sure the pixels show no patient identity.',
      ),
      '',
      ...(isUntaggedRasterName(name) ? [untaggedNote(), ''] : []),
      vscode.l10n.t('Research use only; not for clinical use.'),
    ].join('\n'),
  );
  return {
    invocationMessage: vscode.l10n.t('{0} in {1}…', what, name),
    confirmationMessages: { title: vscode.l10n.t('Send {0} to MedImageParse?', name), message },
  };
}

export function registerLanguageModelTools(deps: Deps): vscode.Disposable[] {
  if (!vscode.lm?.registerTool) return [];
  const context = async (token: vscode.CancellationToken) => {
    const { client, entry } = await deps.endpoints.client();
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    return {
      client,
      endpointName: entry.settings.name,
      endpointUrl: entry.isDemo ? undefined : entry.settings.url,
      roots: roots(),
      signal: controller.signal,
    };
  };
  const remember = async (file: string, result: ParseResult) => {
    await deps.history.add(file, result);
    deps.show(file, result);
  };

  return [
    vscode.lm.registerTool<ImageInput & { targets: string[]; modalityKey?: string }>(LM_TOOL_NAMES.parse, {
      prepareInvocation: (options) =>
        sendingConfirmation(
          deps,
          options.input,
          vscode.l10n.t('Segment {0}', (options.input.targets ?? []).join(', ')),
        ),
      invoke: (options, token) =>
        guarded(async () => {
          const ctx = await context(token);
          const answer = await parseTool(options.input, ctx);
          await remember(answer.data.image as string, answer.result);
          return answer;
        }),
    }),
    vscode.lm.registerTool<ImageInput & { modalityKey: string }>(LM_TOOL_NAMES.recognize, {
      prepareInvocation: (options) =>
        sendingConfirmation(
          deps,
          options.input,
          vscode.l10n.t('Find every {0} object', options.input.modalityKey),
        ),
      invoke: (options, token) =>
        guarded(async () => {
          const ctx = await context(token);
          const answer = await recognizeTool(options.input, ctx);
          await remember(answer.data.image as string, answer.result);
          return answer;
        }),
    }),
    vscode.lm.registerTool<{ modality?: string; site?: string }>(LM_TOOL_NAMES.targets, {
      invoke: (options) => guarded(() => targetsTool(options.input)),
    }),
    vscode.lm.registerTool<{ image: string }>(LM_TOOL_NAMES.inspect, {
      invoke: (options) => guarded(() => inspectTool(options.input, { roots: roots() })),
    }),
  ];
}
