import assert from 'node:assert/strict';
import {
  checkDeploymentName,
  looksLikeKey,
  runEndpointWizard,
  type WizardInputBox,
  type WizardPickItem,
  type WizardUI,
} from '../../../src/vscode/endpoints/endpointWizard';
import { startFaultServer } from '../../support/faultServer';
import { makeClient, SMALL_PNG, TEST_KEY } from './helpers';

/**
 * A scripted user: answers each step in order. Text answers go through the step's validator
 * as VS Code would (a refused value is retyped: the next scripted answer for the same step).
 */
function scriptedUI(answers: (string | ((labels: string[]) => string) | undefined)[]): {
  ui: WizardUI;
  titles: string[];
  refused: { title: string; value: string; message: string }[];
} {
  const titles: string[] = [];
  const refused: { title: string; value: string; message: string }[] = [];
  const queue = [...answers];
  const ui: WizardUI = {
    async inputBox(options: WizardInputBox) {
      titles.push(options.title);
      for (;;) {
        const answer = queue.shift();
        if (answer === undefined) return undefined;
        const value = typeof answer === 'function' ? answer([]) : answer;
        const message = options.validateInput?.(value);
        if (!message) return value;
        refused.push({ title: options.title, value, message });
      }
    },
    async quickPick<T extends WizardPickItem>(items: T[], options: { title: string }) {
      titles.push(options.title);
      const answer = queue.shift();
      if (answer === undefined) return undefined;
      const label = typeof answer === 'function' ? answer(items.map((i) => i.label)) : answer;
      return items.find((i) => i.label === label);
    },
  };
  return { ui, titles, refused };
}

describe('Add Endpoint wizard', () => {
  const URL = 'https://my-endpoint.westeurope.inference.ml.azure.com/score';

  it('numbers every step, the key last, right after choosing key authentication', async () => {
    const { ui, titles } = scriptedUI([
      'mip-west',
      'Azure Machine Learning online endpoint',
      URL,
      'blue',
      'Endpoint key',
    ]);
    let keyTitle = '';
    const result = await runEndpointWizard(ui, {
      takenNames: new Set(),
      askKey: async (title) => {
        keyTitle = title;
        return TEST_KEY;
      },
    });
    assert.deepEqual(titles, [
      'MedImageParse endpoint — Step 1/6: name',
      'MedImageParse endpoint — Step 2/6: kind',
      'MedImageParse endpoint — Step 3/6: scoring URL',
      'MedImageParse endpoint — Step 4/6: deployment name (optional)',
      'MedImageParse endpoint — Step 5/6: authentication',
    ]);
    assert.equal(keyTitle, "MedImageParse endpoint — Step 6/6: key for 'mip-west'");
    assert.deepEqual(result, {
      endpoint: {
        name: 'mip-west',
        url: URL,
        protocol: 'azureml',
        auth: 'key',
        tenant: undefined,
        deployment: 'blue',
        timeoutSeconds: undefined,
      },
      key: TEST_KEY,
    });
  });

  it('refuses a key typed into the deployment step (and the name step), then takes the real name', async () => {
    const { ui, refused } = scriptedUI([
      TEST_KEY,
      'mip-west',
      'Azure Machine Learning online endpoint',
      URL,
      TEST_KEY,
      `Bearer ${TEST_KEY}`,
      'green',
      'No authentication',
    ]);
    const result = await runEndpointWizard(ui, { takenNames: new Set(), askKey: async () => undefined });
    assert.equal(result?.endpoint.deployment, 'green');
    assert.deepEqual(
      refused.map((r) => [r.title.replace(/.*Step /, ''), r.message]),
      [
        ['1/6: name', 'This looks like a key. The key is asked for in the last step, in a hidden field.'],
        [
          '4/6: deployment name (optional)',
          'This looks like a key. The key is asked for in the last step, in a hidden field.',
        ],
        [
          '4/6: deployment name (optional)',
          'This looks like a key. The key is asked for in the last step, in a hidden field.',
        ],
      ],
    );
    // Refusals say what is wrong without repeating what was typed.
    for (const r of refused) assert.ok(!r.message.includes(TEST_KEY));
  });

  it('editing: five steps, or six with the Entra tenant; cancelling at any step changes nothing', async () => {
    const existing = {
      name: 'a',
      url: URL,
      protocol: 'azureml' as const,
      auth: 'entra' as const,
      deployment: 'blue',
    };
    const { ui, titles } = scriptedUI([
      'a',
      'MLflow scoring server',
      'http://127.0.0.1:5000/invocations',
      '',
      'Microsoft Entra ID sign-in',
      '',
    ]);
    const result = await runEndpointWizard(ui, { takenNames: new Set(['a', 'b']), existing });
    assert.equal(titles.at(-1), 'MedImageParse endpoint — Step 6/6: tenant ID (optional)');
    assert.equal(result?.endpoint.deployment, undefined);
    assert.equal(result?.endpoint.protocol, 'mlflow');
    for (let stop = 0; stop < 5; stop++) {
      const answers = [
        'a',
        'MLflow scoring server',
        'http://127.0.0.1:5000/invocations',
        '',
        'No authentication',
      ];
      answers[stop] = undefined as unknown as string;
      assert.equal(
        await runEndpointWizard(scriptedUI(answers).ui, { takenNames: new Set(), existing }),
        undefined,
      );
    }
  });

  it('tells keys from names', () => {
    for (const key of [
      TEST_KEY,
      'AbC1dEf2GhI3jKl4MnO5pQr6StU7vWx8',
      `Bearer ${TEST_KEY}`,
      'eyJhbGciOi.eyJzdWIi.sig',
      'q8Zr/2xY+bW4nK7mP1sT9vC3dF6gH0jL5aE8uR2wQ==',
    ])
      assert.ok(looksLikeKey(key), key);
    for (const name of [
      'blue',
      'green-2',
      'biomedparse-westeurope-v2',
      'MedImageParseDeployment1',
      'mip-prod-2024-11',
      'default',
    ])
      assert.ok(!looksLikeKey(name), name);
    assert.equal(checkDeploymentName(''), undefined);
    assert.match(checkDeploymentName('my deployment') ?? '', /3–32 letters, digits and hyphens/);
  });

  it('a deployment name is sent but never written to the log, even one that is a key', async () => {
    const server = await startFaultServer({ size: 16 });
    try {
      // As if typed into settings.json by hand, where the wizard's check does not reach.
      const deployment = 'Q7mZ2xK9pL4vN8wR3tY6uB1cD5fG0hJs';
      const { client, logger } = makeClient(server.url, { deployment });
      server.enqueue({ type: 'status', status: 404, body: `{"message": "no deployment"}` });
      const failed = await client.parse([{ png: SMALL_PNG, prompts: ['liver'] }]).catch((e: Error) => e);
      assert.ok(failed instanceof Error);
      assert.ok(!failed.message.includes(deployment), failed.message);
      await client.parse([{ png: SMALL_PNG, prompts: ['liver'] }]);
      assert.equal(server.requests.at(-1)?.headers['azureml-model-deployment'], deployment);
      assert.ok(logger.lines.some((l) => /pinned to a deployment/.test(l)));
      for (const line of logger.lines) assert.ok(!line.includes(deployment), line);
    } finally {
      await server.close();
    }
  });
});
