import * as vscode from 'vscode';
import { DEFAULT_VOLUME_MEMORY_MB, volumeCache } from '../imaging/volumeCache';

const SECTION = 'medimageparse.viewer';
const KEY = 'volumeMemoryMB';

/** Applies `medimageparse.viewer.volumeMemoryMB` to the viewer's volume cache, now and on every change. */
export function applyVolumeMemorySetting(): vscode.Disposable {
  const apply = (): void => {
    const mb = vscode.workspace.getConfiguration(SECTION).get<number>(KEY, DEFAULT_VOLUME_MEMORY_MB);
    volumeCache.setBudget((Number.isFinite(mb) ? Math.max(0, mb) : DEFAULT_VOLUME_MEMORY_MB) * 1024 ** 2);
  };
  apply();
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(`${SECTION}.${KEY}`)) apply();
  });
}
