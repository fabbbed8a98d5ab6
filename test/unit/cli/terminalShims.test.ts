import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as vscode from 'vscode';
import {
  CLI_NODE_VARIABLE,
  posixShim,
  shimFiles,
  shimFor,
  terminalCliEnvironment,
  windowsCmdShim,
} from '../../../src/cli/terminalShims';
import { putCliOnTerminalPath } from '../../../src/vscode/terminalPath';
import { buildCliBundle } from '../../support/cliBundle';

/**
 * `medparse` in VS Code's integrated terminal on Windows, macOS and Linux: the shims the extension
 * ships in bin/ and the PATH change that finds them. The POSIX shim is run here by every shell
 * this machine has (sh, bash, bash in POSIX mode as macOS's /bin/sh, zsh as macOS's default
 * shell), from a folder whose name has spaces, quotes, `$`, `&`, `%` and non-ASCII letters.
 * The Windows batch file is checked as text: this machine has no cmd.exe (and no wine).
 */

const ROOT = path.resolve(__dirname, '../../..');
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

describe('medparse terminal shims', () => {
  describe('shipped files', () => {
    it('bin/ holds exactly the shims the functions write (the .cmd with CRLF)', () => {
      for (const shim of shimFiles()) {
        const shipped = fs.readFileSync(path.join(ROOT, shim.name), 'utf8');
        assert.ok(
          shipped === shim.text,
          `${shim.name} differs from src/cli/terminalShims.ts; write the function's text into it`,
        );
      }
    });

    it('bin/medparse is executable, as the terminal finds it on PATH', function () {
      if (process.platform === 'win32') this.skip();
      assert.notEqual(fs.statSync(path.join(ROOT, 'bin/medparse')).mode & 0o111, 0);
    });

    it('each platform runs its own shim', () => {
      assert.equal(shimFor('win32').name, 'bin/medparse.cmd');
      assert.equal(shimFor('darwin').name, 'bin/medparse');
      assert.equal(shimFor('linux').name, 'bin/medparse');
    });
  });

  describe('PATH in the terminal', () => {
    it('Windows: the bin folder with `;`, whatever the user name holds', () => {
      const ext =
        "C:\\Users\\Zoë O'Brien & Co\\100% done\\.vscode\\extensions\\medimageparse.medimageparse-0.1.0";
      const code = 'C:\\Program Files (x86)\\Microsoft VS Code\\Code.exe';
      assert.deepEqual(terminalCliEnvironment('win32', ext, code), {
        ok: true,
        pathPrefix: `${ext}\\bin;`,
        variables: { [CLI_NODE_VARIABLE]: code },
      });
      // Forward slashes (as some APIs give them) still make a Windows path.
      const change = terminalCliEnvironment('win32', 'c:/Users/A B/ext', code);
      assert.ok(change.ok);
      assert.equal(change.pathPrefix, 'c:\\Users\\A B\\ext\\bin;');
    });

    it("macOS: the bin folder with `:`, and VS Code's helper executable as Node.js", () => {
      const ext = '/Users/zoë/.vscode/extensions/medimageparse.medimageparse-0.1.0';
      const helper =
        '/Applications/Visual Studio Code.app/Contents/Frameworks/Code Helper (Plugin).app/Contents/MacOS/Code Helper (Plugin)';
      assert.deepEqual(terminalCliEnvironment('darwin', ext, helper), {
        ok: true,
        pathPrefix: `${ext}/bin:`,
        variables: { [CLI_NODE_VARIABLE]: helper },
      });
    });

    it('Linux: the bin folder with `:`', () => {
      const ext = '/home/u/.vscode-server/extensions/medimageparse.medimageparse-0.1.0';
      assert.deepEqual(terminalCliEnvironment('linux', ext, '/home/u/.vscode-server/bin/abc/node'), {
        ok: true,
        pathPrefix: `${ext}/bin:`,
        variables: { [CLI_NODE_VARIABLE]: '/home/u/.vscode-server/bin/abc/node' },
      });
    });

    it('a folder whose name holds the PATH separator is refused with the reason, not half-added', () => {
      const win = terminalCliEnvironment('win32', 'C:\\a;b\\ext', 'C:\\Code.exe');
      assert.ok(!win.ok);
      assert.match(win.problem, /C:\\a;b\\ext\\bin contains ";"/);
      for (const platform of ['darwin', 'linux'] as const) {
        const posix = terminalCliEnvironment(platform, '/home/a:b/ext', '/usr/bin/node');
        assert.ok(!posix.ok);
        assert.match(posix.problem, /\/home\/a:b\/ext\/bin contains ":"/);
      }
    });

    it("the extension's environment collection gets the change, or is cleared with the reason", function () {
      if (process.platform === 'win32') this.skip();
      const calls: string[] = [];
      const collection = {
        description: '',
        prepend: (name: string, value: string) => calls.push(`prepend ${name} ${value}`),
        replace: (name: string, value: string) => calls.push(`replace ${name} ${value}`),
        clear: () => calls.push('clear'),
      };
      const context = (extensionPath: string) =>
        ({ extensionPath, environmentVariableCollection: collection }) as unknown as vscode.ExtensionContext;
      assert.equal(putCliOnTerminalPath(context('/ext dir/x')), undefined);
      assert.deepEqual(calls, [
        'prepend PATH /ext dir/x/bin:',
        `replace ${CLI_NODE_VARIABLE} ${process.execPath}`,
      ]);
      calls.length = 0;
      assert.match(putCliOnTerminalPath(context('/a:b/x')) ?? '', /contains ":"/);
      assert.deepEqual(calls, ['clear']);
    });
  });

  describe('Windows batch file (cmd.exe and PowerShell)', () => {
    it('is exactly this text', () => {
      assert.equal(
        windowsCmdShim(),
        [
          '@echo off',
          'rem medparse in the VS Code integrated terminal, for cmd.exe and PowerShell.',
          'rem Generated by src/cli/terminalShims.ts: edit it there.',
          'setlocal',
          'if not defined MEDIMAGEPARSE_NODE goto use_path_node',
          'if not exist "%MEDIMAGEPARSE_NODE%" goto use_path_node',
          'set ELECTRON_RUN_AS_NODE=1',
          '"%MEDIMAGEPARSE_NODE%" "%~dp0..\\dist\\cli.js" %*',
          'exit /b %ERRORLEVEL%',
          ':use_path_node',
          'where node >nul 2>nul || goto no_node',
          'node "%~dp0..\\dist\\cli.js" %*',
          'exit /b %ERRORLEVEL%',
          ':no_node',
          "1>&2 echo medparse: cannot find VS Code's Node.js or node on PATH. Open a new terminal once the MedImageParse extension has started, or install Node.js 20 or later.",
          'exit /b 9009',
          '',
        ].join('\r\n'),
      );
    });

    it('has the properties that keep it working with any path and arguments', () => {
      const text = windowsCmdShim();
      // cmd.exe misplaces goto labels in files with bare LF line endings.
      assert.equal(text.replace(/\r\n/g, ''), text.replace(/\r?\n/g, ''), 'every line ends with CRLF');
      // No path of this machine is written in it (and no character outside the console's code page).
      assert.match(text, /^[\x20-\x7e\r\n]*$/);
      const lines = text.split('\r\n');
      // cmd.exe substitutes %* into a parenthesised block before parsing it, so an argument such
      // as scan(1).png would close the block: no blocks at all.
      assert.ok(!lines.some((l) => /^\s*(if|else|for)\b.*\($|^\s*\)/i.test(l)), 'a parenthesised block');
      for (const line of lines.filter((l) => l.includes('%*'))) {
        // Paths in double quotes: spaces, & and (x86) in them are text, not syntax.
        assert.match(line, /^("%MEDIMAGEPARSE_NODE%"|node) "%~dp0\.\.\\dist\\cli\.js" %\*$/);
      }
      // setlocal first: ELECTRON_RUN_AS_NODE must not stay in the user's cmd.exe session.
      assert.ok(lines.indexOf('setlocal') < lines.indexOf('set ELECTRON_RUN_AS_NODE=1'));
      // No %~dp0 or %* in a remark (cmd.exe expands them even there).
      assert.ok(!lines.some((l) => /^rem .*[%&|<>^()]/.test(l)));
    });
  });

  describe('POSIX shell script, run by each shell here', () => {
    let tmp: string;
    /** An installed extension in a folder with hard characters, the real CLI in its dist/. */
    let ext: string;
    /** The same layout, with a dist/cli.js that reports its arguments and environment. */
    let echoExt: string;
    let bundleEnv: NodeJS.ProcessEnv;

    const shells = (
      [
        ['sh', []],
        ['dash', []],
        ['bash', []],
        ['bash', ['--posix']],
        ['zsh', []],
      ] as [string, string[]][]
    ).filter(([shell]) => spawnSync(shell, ['-c', 'exit 0']).status === 0);

    before(async function () {
      this.timeout(60_000);
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mip-shims-'));
      const folder = path.join(tmp, `VS Code's "ext" $HOME & 100% Zoë`);
      ext = path.join(folder, 'medimageparse.medimageparse-0.1.0');
      echoExt = path.join(folder, 'echo ext');
      for (const dir of [ext, echoExt]) {
        fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
        fs.mkdirSync(path.join(dir, 'dist'), { recursive: true });
        fs.writeFileSync(path.join(dir, 'bin', 'medparse'), posixShim(), { mode: 0o755 });
      }
      bundleEnv = await buildCliBundle(path.join(ext, 'dist', 'cli.js'));
      fs.writeFileSync(
        path.join(echoExt, 'dist', 'cli.js'),
        'console.log(JSON.stringify({ args: process.argv.slice(2), electron: process.env.ELECTRON_RUN_AS_NODE ?? null }));\n',
      );
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    /** The terminal's environment as VS Code makes it from the extension's collection. */
    function terminalEnv(extension: string, node: string | undefined, basePath: string): NodeJS.ProcessEnv {
      const change = terminalCliEnvironment(process.platform, extension, node ?? '');
      assert.ok(change.ok);
      const env: NodeJS.ProcessEnv = { ...bundleEnv, PATH: change.pathPrefix + basePath };
      delete env.ELECTRON_RUN_AS_NODE;
      if (node === undefined) delete env[CLI_NODE_VARIABLE];
      else env[CLI_NODE_VARIABLE] = node;
      return env;
    }

    it('there are shells to run it with', function () {
      if (process.platform === 'win32') this.skip();
      // sh and bash always; zsh comes with the test machine's packages (scripts/vscode-server.mjs).
      assert.deepEqual(
        [...new Set(shells.map(([s]) => s))].filter((s) => ['sh', 'bash', 'zsh'].includes(s)),
        ['sh', 'bash', 'zsh'],
        'sh, bash and zsh must be installed (npm test installs zsh: scripts/vscode-server.mjs)',
      );
    });

    it('`medparse --version` typed in each shell prints the version', function () {
      if (process.platform === 'win32') this.skip();
      for (const [shell, flags] of shells) {
        const r = spawnSync(shell, [...flags, '-c', 'medparse --version'], {
          env: terminalEnv(ext, process.execPath, process.env.PATH ?? ''),
          encoding: 'utf8',
        });
        assert.equal(r.status, 0, `${shell} ${flags.join(' ')}: ${r.stderr}`);
        assert.equal(r.stdout.trim(), VERSION, `${shell} ${flags.join(' ')}`);
      }
    });

    it('passes every argument through unchanged, with ELECTRON_RUN_AS_NODE for VS Code’s executable', function () {
      if (process.platform === 'win32') this.skip();
      const args = [
        '--version',
        'a b',
        "it's",
        '"quoted"',
        '$HOME',
        '*',
        '100%',
        'a&b',
        'scan(1).png',
        'Zoë',
        '',
      ];
      for (const [shell, flags] of shells) {
        // Typed in the shell (found on PATH), and read by the shell as /bin/sh would read it.
        const runs = [
          spawnSync(shell, [...flags, '-c', 'medparse "$@"', 'medparse', ...args], {
            env: terminalEnv(echoExt, process.execPath, process.env.PATH ?? ''),
            encoding: 'utf8',
          }),
          spawnSync(shell, [...flags, path.join(echoExt, 'bin', 'medparse'), ...args], {
            env: terminalEnv(echoExt, process.execPath, process.env.PATH ?? ''),
            encoding: 'utf8',
          }),
        ];
        for (const r of runs) {
          assert.equal(r.status, 0, `${shell}: ${r.stderr}`);
          assert.deepEqual(JSON.parse(r.stdout), { args, electron: '1' }, `${shell} ${flags.join(' ')}`);
        }
      }
    });

    it('falls back to node on PATH when the named executable is gone (a terminal from before an update)', function () {
      if (process.platform === 'win32') this.skip();
      for (const [shell, flags] of shells) {
        for (const node of [path.join(tmp, 'moved', 'code'), undefined]) {
          const r = spawnSync(shell, [...flags, '-c', 'medparse x'], {
            env: terminalEnv(echoExt, node, process.env.PATH ?? ''),
            encoding: 'utf8',
          });
          assert.equal(r.status, 0, `${shell}: ${r.stderr}`);
          assert.deepEqual(JSON.parse(r.stdout), { args: ['x'], electron: null }, shell);
        }
      }
    });

    it('says what to do when there is no Node.js at all', function () {
      if (process.platform === 'win32') this.skip();
      for (const [shell, flags] of shells) {
        const shellPath = spawnSync('sh', ['-c', `command -v ${shell}`], { encoding: 'utf8' }).stdout.trim();
        // PATH holds the shim's folder only: no node anywhere.
        const r = spawnSync(shellPath, [...flags, '-c', 'medparse --version'], {
          env: terminalEnv(echoExt, undefined, ''),
          encoding: 'utf8',
        });
        assert.equal(r.status, 127, shell);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, /^medparse: cannot find VS Code's Node\.js or node on PATH\. .*Node\.js 20/);
      }
    });
  });
});
