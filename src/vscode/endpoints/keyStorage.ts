/**
 * Whether VS Code's secret storage keeps endpoint keys across Reload Window here. Desktop VS Code
 * keeps them in the operating system's keychain; a browser workbench without a secret-storage
 * provider (code-server, which `npm start` serves) keeps them in memory only and forgets them on
 * reload. No API says which, so a probe secret is stored once and looked for in later sessions:
 * a probe that was stored but is gone means this workbench does not keep keys.
 */
import * as l10n from '@vscode/l10n';

export type KeyStorageVerdict = 'kept' | 'lost' | 'unknown';

/** What the probe needs: the extension's secrets and its global state (which persist here). */
export interface KeyStorageParts {
  secrets: {
    get(key: string): Thenable<string | undefined>;
    store(key: string, value: string): Thenable<void>;
  };
  globalState: { get<T>(key: string): T | undefined; update(key: string, value: unknown): Thenable<void> };
}

const PROBE_SECRET = 'medimageparse.keyStorageProbe';
const PROBE_STORED = 'medimageparse.keyStorageProbeStored';

/** Checks (and, the first time, plants) the probe; the verdict is about earlier sessions. */
export async function probeKeyStorage(parts: KeyStorageParts): Promise<KeyStorageVerdict> {
  const planted = parts.globalState.get<boolean>(PROBE_STORED) === true;
  const found = (await parts.secrets.get(PROBE_SECRET)) !== undefined;
  if (!found) {
    await parts.secrets.store(PROBE_SECRET, 'kept');
    await parts.globalState.update(PROBE_STORED, true);
  }
  return found ? 'kept' : planted ? 'lost' : 'unknown';
}

/**
 * The plain warning for the key input, or undefined when there is nothing to warn about: the
 * workbench forgot keys before, or it is a browser workbench whose storage is not known yet.
 */
export function keyStorageWarning(verdict: KeyStorageVerdict, inBrowser: boolean): string | undefined {
  if (verdict === 'lost')
    return l10n.t(
      'This workbench does not keep keys: after Reload Window or closing it you will have to enter the key again. Desktop VS Code keeps it in the system keychain; Microsoft Entra ID sign-in needs no key.',
    );
  if (verdict === 'unknown' && inBrowser)
    return l10n.t(
      'In a browser workbench the key may be kept only until Reload Window (code-server keeps secrets in memory). Desktop VS Code keeps it in the system keychain.',
    );
  return undefined;
}
