import assert from 'node:assert/strict';
import * as path from 'node:path';
import sharp from 'sharp';
import { EndpointClient } from '../../../src/endpoint/client';
import { endpointConfig } from '../../../src/endpoint/config';
import { startDemoServer, type DemoServer } from '../../../src/demo/server';
import { Redactor } from '../../../src/endpoint/redactor';
import { BRIEF_MESSAGE_LENGTH, briefMessage, briefUserError } from '../../../src/vscode/userError';

const SAMPLES = path.resolve(__dirname, '../../../media/samples');

describe('short error messages, details in the log', () => {
  it('leaves short messages alone and cuts long ones to whole sentences with a pointer to the log', () => {
    assert.equal(briefMessage('The key was rejected.'), 'The key was rejected.');
    const long = `First sentence says what happened. Second says what to do. ${'A long list, '.repeat(40)}end.`;
    const brief = briefMessage(long);
    assert.ok(brief.length <= BRIEF_MESSAGE_LENGTH + 60, `${brief.length} characters`);
    assert.match(
      brief,
      /^First sentence says what happened\. Second says what to do\. \(Details in the MedImageParse output log\.\)$/,
    );
    const oneSentence = briefMessage(`Word ${'word '.repeat(100)}.`);
    assert.match(oneSentence, /… \(Details in the MedImageParse output log\.\)$/);
    assert.match(briefMessage(`He said: “${'x. '.repeat(200)}”`), /” \(Details/);
  });

  describe('the demo endpoint refusing an image it does not know', () => {
    let demo: DemoServer;
    before(async () => {
      demo = await startDemoServer({ samplesDir: SAMPLES });
    });
    after(() => demo.close());

    it('is a short message in the UI, what to do included, and the whole list in the log', async () => {
      const png = await sharp(path.join(SAMPLES, 'covid_1585.png')).resize(1024, 1024).png().toBuffer();
      const client = new EndpointClient(
        endpointConfig({ name: 'demo', url: demo.url, timeoutMs: 20_000, retry: { maxRetries: 0 } }),
        { getAuthorization: async () => undefined },
      );
      const error = await client.parse([{ png, prompts: ['left lung'] }]).then(
        () => assert.fail('the demo answered an unknown image'),
        (e: unknown) => e,
      );
      const logged: string[] = [];
      const shown = briefUserError(error, {
        redactor: new Redactor(),
        logger: { error: (m) => logged.push(m) },
      });
      assert.ok(
        shown.message.length <= BRIEF_MESSAGE_LENGTH + 60,
        `${shown.message.length}: ${shown.message}`,
      );
      assert.match(shown.message, /demo endpoint: this image is not one of its samples/);
      assert.match(shown.message, /MedImageParse: Add Endpoint/);
      assert.doesNotMatch(shown.message, /06_CT_abdomen \(adrenal gland/);
      assert.equal(logged.length, 1);
      assert.match(logged[0], /06_CT_abdomen \(adrenal gland, aorta/);
    });
  });
});
