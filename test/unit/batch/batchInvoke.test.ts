import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ENDPOINT_PLACEHOLDER,
  downloadCommand,
  guessBatchEndpointName,
  hasAzureMlCli,
  invokeCommand,
  shellWord,
} from '../../../src/batch/batchEndpoint/invoke';

describe('batch endpoint hand-off to the Azure CLI', () => {
  it('writes the invoke command with the folder as a uri_folder input, quoting what the shell would split', () => {
    assert.equal(
      invokeCommand({ endpointName: 'mip-batch-ab12c' }, '/data/scans-batch-input', 'linux'),
      'az ml batch-endpoint invoke --name mip-batch-ab12c --input /data/scans-batch-input --input-type uri_folder',
    );
    assert.equal(
      invokeCommand(
        { endpointName: 'mip', resourceGroup: 'rg 1', workspace: "ws'x" },
        "/data/it's here",
        'linux',
      ),
      `az ml batch-endpoint invoke --name mip --input '/data/it'\\''s here' --input-type uri_folder --resource-group 'rg 1' --workspace-name 'ws'\\''x'`,
    );
    assert.equal(
      shellWord("C:\\My Data\\it's", 'win32'),
      "'C:\\My Data\\it''s'",
      'PowerShell doubles a quote',
    );
    assert.equal(shellWord('$(rm -rf ~)', 'linux'), "'$(rm -rf ~)'", 'nothing the shell would run');
    assert.match(invokeCommand({}, '/x', 'linux'), new RegExp(`--name ${ENDPOINT_PLACEHOLDER} `));
    assert.equal(
      downloadCommand({ endpointName: 'mip' }, '/x', 'linux'),
      'az ml job download --name <job-name> --output-name score --download-path /x',
    );
  });

  it("takes the batch endpoint's name from the profile, else guesses it from an Azure ML scoring URI", () => {
    assert.equal(guessBatchEndpointName({ url: 'https://x.invalid/score', batchEndpoint: 'mine' }), 'mine');
    assert.equal(
      guessBatchEndpointName({ url: 'https://mip-ep.westus2.inference.ml.azure.com/score' }),
      'mip-ep',
    );
    assert.equal(guessBatchEndpointName({ url: 'http://127.0.0.1:5000/invocations' }), undefined);
    assert.equal(guessBatchEndpointName({ url: 'not a url' }), undefined);
  });

  it('finds the Azure CLI ml extension by `az extension show --name ml`, and copes without az', async function () {
    if (process.platform === 'win32') this.skip();
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'medparse-fake-az-'));
    const calls = path.join(bin, 'calls.txt');
    const savedPath = process.env.PATH;
    try {
      fs.writeFileSync(
        path.join(bin, 'az'),
        `#!/bin/sh\necho "$@" >> '${calls}'\n[ "$1 $2 $3 $4" = "extension show --name ml" ] && exit 0\nexit 1\n`,
        { mode: 0o755 },
      );
      process.env.PATH = `${bin}${path.delimiter}${savedPath}`;
      assert.equal(await hasAzureMlCli(), true);
      assert.equal(fs.readFileSync(calls, 'utf8').trim(), 'extension show --name ml --output none');
      fs.writeFileSync(
        path.join(bin, 'az'),
        '#!/bin/sh\necho "ERROR: The extension ml is not installed." >&2\nexit 1\n',
        {
          mode: 0o755,
        },
      );
      assert.equal(await hasAzureMlCli(), false, 'az without the ml extension');
      process.env.PATH = bin.replace(/$/, '-missing');
      assert.equal(await hasAzureMlCli(), false, 'no az at all');
    } finally {
      process.env.PATH = savedPath;
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });
});
