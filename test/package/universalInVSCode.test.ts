// Runs in the extension host of a real VS Code into whose fresh extensions folder
// scripts/check-vsix-in-vscode.mjs installed the universal .vsix (`--install-extension`). Nothing
// here loads the repository's extension: it checks the installed copy, as a user gets it.
//
// First, before the extension needs sharp: every native sharp build is made unresolvable in this
// process, as on a platform with no prebuilt sharp, so the package must bring its WebAssembly one.
import '../../scripts/hide-native-sharp.cjs';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MedImageParseApi } from '../../src/extension';
import type { HostMessage } from '../../src/shared/protocol';

const EXTENSION_ID = 'medimageparse.medimageparse';
const EXTENSIONS_DIR = process.env.MEDIMAGEPARSE_VSIX_EXTENSIONS_DIR ?? '';

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function sample(...parts: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the check needs the sample workspace open');
  return vscode.Uri.file(path.join(folder.uri.fsPath, ...parts));
}

/** The sharp files this extension host has loaded (CommonJS modules, shared by every extension). */
function loadedSharpFiles(): string[] {
  return Object.keys(require.cache).filter((f) => /[\\/](sharp|@img)[\\/]/.test(f));
}

describe('The universal package, installed in VS Code', () => {
  let extension: vscode.Extension<MedImageParseApi>;
  let api: MedImageParseApi;

  before(async () => {
    assert.ok(EXTENSIONS_DIR, 'MEDIMAGEPARSE_VSIX_EXTENSIONS_DIR names the fresh extensions folder');
    const found = vscode.extensions.getExtension<MedImageParseApi>(EXTENSION_ID);
    assert.ok(found, `${EXTENSION_ID} is not installed in this VS Code`);
    extension = found;
    api = await extension.activate();
  });

  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('is the copy installed from the .vsix into the fresh extensions folder', () => {
    assert.equal(path.dirname(extension.extensionPath), EXTENSIONS_DIR);
    assert.equal(extension.extensionKind, vscode.ExtensionKind.Workspace);
    assert.ok(api?.viewers, 'activate() returned the extension API');
    // The universal package carries no native sharp (check-packages.mjs checks the file list).
    const img = path.join(extension.extensionPath, 'node_modules', '@img');
    assert.deepEqual(
      fs.readdirSync(img).filter((d) => d.startsWith('sharp-')),
      ['sharp-wasm32'],
      `sharp builds in ${img}`,
    );
  });

  it('opens a sample PNG and a sample DICOM in the viewer', async () => {
    const inits: Extract<HostMessage, { type: 'init' }>[] = [];
    const listening = api.viewers.onDidOpenViewer((viewer) =>
      viewer.onDidPost((m) => {
        if (m.type === 'init') inits.push(m);
      }),
    );
    try {
      for (const uri of [sample('covid_1585.png'), sample('CT_lung_nodule.dcm')]) {
        await vscode.commands.executeCommand('vscode.openWith', uri, 'medimageparse.viewer');
        const viewer = await waitFor(`the viewer of ${uri.fsPath}`, () => api.viewers.forFile(uri.fsPath));
        await viewer.whenReady();
      }
    } finally {
      listening.dispose();
    }
    assert.deepEqual(
      inits.map(({ image }) => [image.fileName, image.format, image.width, image.height]),
      [
        ['covid_1585.png', 'raster', 256, 256],
        ['CT_lung_nodule.dcm', 'dicom', 512, 512],
      ],
    );
    // Real pixels reached the viewer, not a blank frame.
    for (const { image } of inits) assert.ok(image.range.max > image.range.min, image.fileName);
  });

  it('parses a sample with the demo endpoint and shows the result', async () => {
    await api.endpoints.setActive('demo');
    const uri = sample('demo', '06_CT_abdomen.png');
    const viewer = api.viewers.open(uri);
    const posted: HostMessage[] = [];
    viewer.onDidPost((m) => posted.push(m));
    await viewer.whenReady();
    const result = await api.runner.run(
      { kind: 'parse', file: uri.fsPath, prompts: ['liver'], modality: 'CT', site: 'abdomen' },
      { confirmed: true },
    );
    assert.equal(result.source, 'demo-reference');
    assert.deepEqual(
      result.targets.map((t) => t.target),
      ['liver'],
    );
    assert.ok(result.targets[0].area > 1000, `liver area ${result.targets[0].area} px`);
    viewer.showResult(result);
    await waitFor('the result in the viewer', () => posted.find((m) => m.type === 'showResult'));
  });

  it("prepared the PNGs with the package's own WebAssembly sharp, no native build", () => {
    const files = loadedSharpFiles();
    const wasm = files.filter((f) => f.includes('sharp-wasm32'));
    assert.ok(wasm.length > 0, `sharp's WebAssembly build was not loaded: ${JSON.stringify(files)}`);
    for (const f of files) {
      assert.ok(f.startsWith(extension.extensionPath + path.sep), `${f} is not from the installed package`);
      assert.ok(!/@img[\\/]sharp-(?!wasm32)/.test(f), `a native sharp build was loaded: ${f}`);
    }
  });

  // The extension's environment collection puts the installed bin/ on PATH: each shell finds
  // `medparse` there (a folder with a space and a non-ASCII letter) and it runs the package's CLI.
  for (const name of ['sh', 'bash', 'zsh']) {
    it(`${name} in the integrated terminal runs medparse from the package`, async function () {
      const shell = ['/bin', '/usr/bin'].map((d) => path.join(d, name)).find((f) => fs.existsSync(f));
      // zsh comes with the test machine's packages (scripts/vscode-server.mjs); not on Windows.
      if (process.platform === 'win32' || !shell) this.skip();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mip-vsix-terminal-'));
      const out = path.join(dir, 'out.txt');
      const terminal = vscode.window.createTerminal({
        name: `medparse in ${name}`,
        shellPath: shell,
        shellArgs: [
          '-c',
          `medparse --version > '${out}' 2>&1; command -v medparse >> '${out}'; echo END >> '${out}'`,
        ],
      });
      try {
        const text = await waitFor('the terminal to run medparse', () => {
          const t = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
          return /^END\s*$/m.test(t) ? t : undefined;
        });
        const [version, found] = text.split('\n');
        assert.equal(version, extension.packageJSON.version, text);
        assert.equal(found, path.join(extension.extensionPath, 'bin', 'medparse'));
      } finally {
        terminal.dispose();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
