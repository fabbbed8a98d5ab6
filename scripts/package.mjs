// `npm run package`: the .vsix for this machine's platform, into packages/.
// `npm run package:all`: one .vsix per VS Code target plus the universal one (sharp's
// WebAssembly build), into packages/. `-- --targets linux-x64,darwin-arm64,universal` picks some.
// Both also pack the command line alone (packages/medimageparse-<version>.tgz, for `npm install -g`).
// Each package is then inspected by check-packages.mjs (native files for its target, nothing
// missing, its CLI run on the shipped samples where this machine can run it).
import fs from 'node:fs';
import path from 'node:path';
import { checkCliTarball, checkPackage } from './check-packages.mjs';
import {
  buildProduction,
  hostTarget,
  packageFileName,
  packagesDir,
  packageTarget,
  packCli,
  TARGETS,
} from './packaging.mjs';

function chosenTargets(argv) {
  if (argv.includes('--all')) return Object.keys(TARGETS);
  const at = argv.indexOf('--targets');
  if (at >= 0) return (argv[at + 1] ?? '').split(',').filter(Boolean);
  const host = hostTarget();
  if (!host) {
    console.error(`No VS Code target for ${process.platform}-${process.arch}; try --targets universal.`);
    process.exit(1);
  }
  return [host];
}

const targets = chosenTargets(process.argv.slice(2));
const unknown = targets.filter((t) => !TARGETS[t]);
if (unknown.length || targets.length === 0) {
  console.error(
    `Unknown target(s): ${unknown.join(', ') || '(none given)'}. Known: ${Object.keys(TARGETS).join(', ')}`,
  );
  process.exit(1);
}

buildProduction();
let failed = 0;
for (const target of targets) {
  // An old package must not pass for a new one if this build fails.
  fs.rmSync(path.join(packagesDir, packageFileName(target)), { force: true });
  try {
    const { file, size } = packageTarget(target);
    const problems = checkPackage(file, target);
    const name = path.relative(process.cwd(), file);
    if (problems.length) {
      failed++;
      console.error(`${name}: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
    } else {
      console.log(`${name}: ${(size / 1024 / 1024).toFixed(1)} MB, checked`);
    }
  } catch (error) {
    failed++;
    console.error(`${target}: ${error instanceof Error ? error.message : error}`);
  }
}
// The command line on its own, as an npm tarball.
try {
  const tgz = packCli();
  const problems = checkCliTarball(tgz);
  const name = path.relative(process.cwd(), tgz);
  if (problems.length) {
    failed++;
    console.error(`${name}: ${problems.join('\n  ')}`);
  } else {
    console.log(`${name}: npm install -g puts medparse on PATH, and it prepares the samples`);
  }
} catch (error) {
  failed++;
  console.error(`command-line tarball: ${error instanceof Error ? error.message : error}`);
}
console.log(`packages: ${targets.length + 1 - failed} built and checked, ${failed} failed`);
process.exit(failed ? 1 : 0);
