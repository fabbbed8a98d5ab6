/**
 * The Add / Edit Endpoint wizard's steps, with the input boxes and pickers behind a small
 * interface (no `vscode` import) so that the steps, their numbering and their checks are tested
 * under plain mocha. The VS Code layer passes `window.showInputBox` / `showQuickPick`.
 *
 * Every step is numbered in its title ("Step 4/6"), so nobody takes a later free-text step for
 * the key prompt; the key is the last step, right after choosing key authentication. A value
 * that looks like a key is refused in the free-text steps, and the wizard logs no field's value.
 */
import { resolveScoringUrl } from '../../endpoint/config';
// Types only: erased at run time, so this module still loads without VS Code.
import type { AuthKind, EndpointSettings as WizardEndpoint } from './endpointSettings';
import * as l10n from '@vscode/l10n';

export interface WizardInputBox {
  title: string;
  prompt: string;
  value?: string;
  password?: boolean;
  validateInput?: (value: string) => string | undefined;
}

export interface WizardPickItem {
  label: string;
  description?: string;
}

/** The two kinds of step the wizard shows; undefined means the user cancelled. */
export interface WizardUI {
  inputBox(options: WizardInputBox): Promise<string | undefined>;
  quickPick<T extends WizardPickItem>(items: T[], options: { title: string }): Promise<T | undefined>;
}

/** "MedImageParse endpoint — Step 4/6: …" (texts are made on each call: the l10n bundle is set at activation). */
export function stepTitle(step: number, total: number, what: string): string {
  return l10n.t('MedImageParse endpoint — Step {0}/{1}: {2}', step, total, what);
}

/**
 * True for text shaped like a credential rather than a name: a bearer/basic value, a JWT, or a
 * long run of base64/hex characters that switches between letters, capitals and digits the way
 * random keys do ("Zk3vQ9mW7x…"), unlike names such as "biomedparse-westeurope-v2".
 */
export function looksLikeKey(text: string): boolean {
  const t = text.trim();
  if (/^(bearer|basic)\s+\S{8,}/i.test(t)) return true;
  if (/^eyJ[\w-]+\.[\w-]+\./.test(t)) return true;
  if (t.length < 20 || !/^[A-Za-z0-9+/=_-]+$/.test(t)) return false;
  const kind = (c: string): number => (/[a-z]/.test(c) ? 0 : /[A-Z]/.test(c) ? 1 : /[0-9]/.test(c) ? 2 : 3);
  let switches = 0;
  for (let i = 1; i < t.length; i++) if (kind(t[i]) !== kind(t[i - 1])) switches++;
  const digits = (t.match(/[0-9]/g) ?? []).length;
  return digits >= 2 && switches / (t.length - 1) >= 0.4;
}

const keyHere = (): string =>
  l10n.t('This looks like a key. The key is asked for in the last step, in a hidden field.');

/** Azure ML online deployment names: 3–32 letters, digits and hyphens, starting with a letter. */
export function checkDeploymentName(value: string): string | undefined {
  const v = value.trim();
  if (!v) return undefined;
  if (looksLikeKey(v)) return keyHere();
  if (!/^[A-Za-z][A-Za-z0-9-]{2,31}$/.test(v))
    return l10n.t(
      'A deployment name is 3–32 letters, digits and hyphens, starting with a letter (or leave it empty).',
    );
  return undefined;
}

/**
 * Asks for the parts of an endpoint; `existing` pre-fills them when editing. When adding with
 * key authentication, `askKey` is the last step (given the step title); it returns the key,
 * which the caller stores in secret storage (undefined: skipped, the endpoint is added without).
 */
export async function runEndpointWizard(
  ui: WizardUI,
  options: {
    takenNames: ReadonlySet<string>;
    existing?: WizardEndpoint;
    /** Adding: the key is asked as the last step. */
    askKey?: (title: string) => Promise<string | undefined>;
  },
): Promise<{ endpoint: WizardEndpoint; key?: string } | undefined> {
  const { existing } = options;
  const taken = new Set(options.takenNames);
  if (existing) taken.delete(existing.name);
  // The last step is the key (when adding) or the tenant (Microsoft Entra ID); editing a key
  // endpoint has no sixth step.
  const total = options.askKey || existing?.auth === 'entra' ? 6 : 5;
  const name = await ui.inputBox({
    title: stepTitle(1, total, l10n.t('name')),
    prompt: l10n.t('A short name you will recognise, e.g. "biomedparse-westeurope"'),
    value: existing?.name,
    validateInput: (v) =>
      !v.trim()
        ? l10n.t('Enter a name.')
        : looksLikeKey(v)
          ? keyHere()
          : taken.has(v.trim())
            ? l10n.t("'{0}' is already used.", v.trim())
            : undefined,
  });
  if (name === undefined) return undefined;
  const protocolPick = await ui.quickPick(
    [
      {
        label: l10n.t('Azure Machine Learning online endpoint'),
        protocol: 'azureml' as const,
        description: l10n.t('input_data format'),
      },
      {
        label: l10n.t('MLflow scoring server'),
        protocol: 'mlflow' as const,
        description: l10n.t('self-hosted, /invocations'),
      },
    ],
    { title: stepTitle(2, total, l10n.t('kind')) },
  );
  if (!protocolPick) return undefined;
  const url = await ui.inputBox({
    title: stepTitle(3, total, l10n.t('scoring URL')),
    prompt: l10n.t(
      'The REST / scoring URI from the endpoint\'s "Consume" tab, e.g. https://my-endpoint.westeurope.inference.ml.azure.com/score',
    ),
    value: existing?.url,
    validateInput: (v) => validateUrl(name.trim(), protocolPick.protocol, v),
  });
  if (url === undefined) return undefined;
  const deploymentText = await ui.inputBox({
    title: stepTitle(4, total, l10n.t('deployment name (optional)')),
    prompt: l10n.t(
      'Sent as azureml-model-deployment to pin one deployment; leave empty to let the endpoint route traffic. Not the key: that comes last.',
    ),
    value: existing?.deployment,
    validateInput: checkDeploymentName,
  });
  if (deploymentText === undefined) return undefined;
  const authPick = await ui.quickPick(
    [
      {
        label: l10n.t('Endpoint key'),
        auth: 'key' as AuthKind,
        description: l10n.t('kept in VS Code secret storage'),
      },
      {
        label: l10n.t('Microsoft Entra ID sign-in'),
        auth: 'entra' as AuthKind,
        description: l10n.t('token for https://ml.azure.com/.default'),
      },
      {
        label: l10n.t('No authentication'),
        auth: 'none' as AuthKind,
        description: l10n.t('local servers only'),
      },
    ],
    { title: stepTitle(5, total, l10n.t('authentication')) },
  );
  if (!authPick) return undefined;
  let tenant = existing?.tenant;
  if (authPick.auth === 'entra') {
    const tenantText = await ui.inputBox({
      title: stepTitle(6, 6, l10n.t('tenant ID (optional)')),
      prompt: l10n.t('Leave empty for your home tenant.'),
      value: tenant,
      validateInput: (v) => (looksLikeKey(v) && !/^[0-9a-f-]{36}$/i.test(v.trim()) ? keyHere() : undefined),
    });
    if (tenantText === undefined) return undefined;
    tenant = tenantText.trim() || undefined;
  }
  const endpoint: WizardEndpoint = {
    name: name.trim(),
    url: url.trim(),
    protocol: protocolPick.protocol,
    auth: authPick.auth,
    tenant,
    deployment: deploymentText.trim() || undefined,
    timeoutSeconds: existing?.timeoutSeconds,
  };
  const key =
    authPick.auth === 'key' && options.askKey
      ? await options.askKey(stepTitle(6, 6, l10n.t("key for '{0}'", endpoint.name)))
      : undefined;
  return { endpoint, key };
}

function validateUrl(name: string, protocol: WizardEndpoint['protocol'], value: string): string | undefined {
  try {
    resolveScoringUrl({ name, url: value, protocol });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
