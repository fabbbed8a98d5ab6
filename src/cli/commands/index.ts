import type { CliCommand } from '../command';
import { batchImportCommand } from './batchImport';
import { batchPrepareCommand } from './batchPrepare';
import { inspectCommand } from './inspect';
import { mcpCommand } from './mcp';
import { preprocessCommand } from './preprocess';
import { parseCommand } from './parse';
import { parseFolderCommand } from './parseFolder';
import { parseVolumeCommand } from './parseVolume';
import { pvalueCommand } from './pvalue';
import { recognizeCommand } from './recognize';

export const cliCommands: readonly CliCommand[] = [
  preprocessCommand,
  parseCommand,
  parseFolderCommand,
  pvalueCommand,
  recognizeCommand,
  inspectCommand,
  parseVolumeCommand,
  mcpCommand,
  batchPrepareCommand,
  batchImportCommand,
];
