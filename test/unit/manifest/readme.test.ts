// The README is what people who install the extension read: its commands and settings tables
// must name every command and setting the extension contributes (and nothing that is not one).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliCommands } from '../../../src/cli/commands';
import { contributedCommands, contributedSettings, readManifest } from '../../support/manifest';

const root = path.resolve(__dirname, '../../..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

/** The text of a `## heading` section, up to the next `## `. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `README has no "## ${heading}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

/** The `medimageparse.…` ids in the first column that holds one, per table row of a section. */
function tableIds(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .flatMap((line) => {
      const id = /`(medimageparse\.[\w.]+)`/.exec(line);
      return id ? [id[1]] : [];
    });
}

describe('README for users', () => {
  const manifest = readManifest();

  it('the commands table lists every contributed command, once, and no other', () => {
    const listed = tableIds(section(readme, 'Commands'));
    assert.deepEqual([...listed].sort(), [...contributedCommands(manifest)].sort());
  });

  it('the settings table lists every contributed setting, once, and no other', () => {
    const listed = tableIds(section(readme, 'Settings'));
    assert.deepEqual([...listed].sort(), [...contributedSettings(manifest).keys()].sort());
  });

  it('names the two commands and points developers to CONTRIBUTING.md and the changelog', () => {
    assert.match(readme, /`npm start`/);
    assert.match(readme, /`npm test`/);
    assert.match(readme, /\(CONTRIBUTING\.md\)/);
    assert.match(readme, /\(CHANGELOG\.md\)/);
    for (const file of ['CONTRIBUTING.md', 'CHANGELOG.md'])
      assert.ok(fs.existsSync(path.join(root, file)), `${file} is missing`);
    for (const heading of ['Requirements', 'Install', 'Privacy', 'Known issues', 'Keyboard shortcuts'])
      section(readme, heading);
    // The screenshot it shows is in the repository and in the package.
    const image = /!\[[^\]]+\]\(([^)]+\.png)\)/.exec(readme)?.[1];
    assert.ok(image && fs.existsSync(path.join(root, image)), `README image ${image}`);
    assert.ok(
      fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8').includes(`!${image}`),
      '.vscodeignore',
    );
  });

  it('the command line exit codes table says what each code means for every command', () => {
    const text = section(readme, 'Command line');
    const rows = new Map(
      text
        .split('\n')
        .filter((line) => /^\| `[a-z-]+` +\|/.test(line))
        .map((line) => {
          const cells = line.split('|').map((c) => c.trim().replace(/`/g, ''));
          return [cells[1], cells.slice(2, -1)] as const;
        }),
    );
    assert.deepEqual([...rows.keys()].sort(), cliCommands.map((c) => c.name).sort());
    for (const command of cliCommands) {
      const meanings = command.exitCodes.map((c) => (c.code === 2 ? 'usage error' : c.meaning));
      assert.deepEqual(rows.get(command.name), meanings, command.name);
    }
  });

  it('package.json says where the code, the issues and the home page are', () => {
    assert.match(String((manifest.repository as { url?: string } | undefined)?.url), /^https:\/\//);
    assert.match(String((manifest.bugs as { url?: string } | undefined)?.url), /^https:\/\//);
    assert.match(String(manifest.homepage), /^https:\/\//);
  });
});
