// The vscode-free modules of the VS Code layer (the endpoint wizard, the privacy text, user
// errors, the key-storage warning) localize with @vscode/l10n, which activate() loads with
// vscode.l10n.bundle. With a bundle loaded their texts come from it; without one they are the
// English of the sources, word for word.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import { runEndpointWizard, type WizardUI } from '../../../src/vscode/endpoints/endpointWizard';
import { keyStorageWarning } from '../../../src/vscode/endpoints/keyStorage';
import { privacyDetail } from '../../../src/vscode/privacyText';
import { briefMessage, UserCancelledError } from '../../../src/vscode/userError';
import { confidenceWords } from '../../../src/shared/suggestion';
import { repoRoot } from '../../support/manifest';

/** Every message of the checked-in bundle wrapped in [[…]], as a translation would replace it. */
function pseudoBundle(): Record<string, string> {
  const bundle = JSON.parse(
    fs.readFileSync(path.join(repoRoot, 'l10n', 'bundle.l10n.json'), 'utf8'),
  ) as Record<string, string | { message: string }>;
  return Object.fromEntries(
    Object.entries(bundle).map(([k, m]) => [k, `[[${typeof m === 'string' ? m : m.message}]]`]),
  );
}

/** The titles and prompts of the wizard's steps, answered up to the key step. */
async function wizardTexts(): Promise<string[]> {
  const texts: string[] = [];
  const answers = ['mip-west', 0, 'https://my-endpoint.westeurope.inference.ml.azure.com/score', '', 0];
  const ui: WizardUI = {
    async inputBox(options) {
      texts.push(options.title, options.prompt);
      return answers.shift() as string;
    },
    async quickPick(items, options) {
      texts.push(options.title, ...items.map((i) => i.label));
      return items[answers.shift() as number];
    },
  };
  await runEndpointWizard(ui, {
    takenNames: new Set(),
    askKey: async (title) => {
      texts.push(title);
      return undefined;
    },
  });
  return texts;
}

describe('l10n of the vscode-free modules (@vscode/l10n)', () => {
  afterEach(() => l10n.config({ contents: {} }));

  it('without a bundle the texts are the English of the sources', async () => {
    const texts = await wizardTexts();
    assert.equal(texts[0], 'MedImageParse endpoint — Step 1/6: name');
    assert.ok(texts.includes('Azure Machine Learning online endpoint'));
    assert.equal(texts.at(-1), "MedImageParse endpoint — Step 6/6: key for 'mip-west'");
    assert.equal(new UserCancelledError().message, 'Cancelled.');
    assert.equal(confidenceWords(0.7), 'fairly sure, 70%');
  });

  it('with a bundle loaded every wizard step, privacy text and message comes from it', async () => {
    l10n.config({ contents: pseudoBundle() });
    const texts = await wizardTexts();
    assert.equal(texts[0], '[[MedImageParse endpoint — Step 1/6: [[name]]]]');
    assert.equal(texts.at(-1), "[[MedImageParse endpoint — Step 6/6: [[key for 'mip-west']]]]");
    const unwrapped = texts.filter((t) => !t.startsWith('[['));
    assert.deepEqual(unwrapped, []);
    const detail = privacyDetail({ sampleBytes: 200 * 1024, untagged: true });
    assert.match(
      detail,
      /^\[\[What leaves this machine: a 1024×1024 PNG of pixel values\[\[ \(about 200 kB per image\)\]\]/,
    );
    assert.match(detail, /\[\[This image has no DICOM tags/);
    assert.match(keyStorageWarning('lost', false) ?? '', /^\[\[This workbench does not keep keys/);
    assert.equal(new UserCancelledError().message, '[[Cancelled.]]');
    assert.match(
      briefMessage('A sentence. '.repeat(40)),
      /\(Details in the MedImageParse output log\.\)\]\]$/,
    );
    assert.equal(confidenceWords(0.7), '[[fairly sure, 70%]]');
  });
});
