// Reading the extension's package.json the way VS Code does: `contributes.configuration` may be
// one object or an array of titled categories, and strings may be `%key%` references into
// package.nls.json.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../..');

export type Manifest = Record<string, unknown> & {
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    configuration: ConfigurationCategory | ConfigurationCategory[];
    keybindings?: { command: string; key: string; mac?: string; when?: string }[];
    [key: string]: unknown;
  };
  capabilities?: { untrustedWorkspaces?: { restrictedConfigurations?: string[] } };
};

export interface ConfigurationCategory {
  title?: string;
  order?: number;
  properties: Record<string, SettingSchema>;
}

export interface SettingSchema {
  type?: string | string[];
  default?: unknown;
  enum?: unknown[];
  enumDescriptions?: string[];
  minimum?: number;
  maximum?: number;
  description?: string;
  markdownDescription?: string;
  [key: string]: unknown;
}

/** package.json as written, `%key%` references and all. */
export function readRawManifest(): Manifest {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest;
}

/** The English strings of package.nls.json. */
export function readNls(): Record<string, string> {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.nls.json'), 'utf8')) as Record<
    string,
    string
  >;
}

/** package.json as VS Code shows it: every `%key%` string replaced by its package.nls.json text. */
export function readManifest(): Manifest {
  const nls = readNls();
  const resolve = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const m = /^%(.+)%$/.exec(value);
      return m && m[1] in nls ? nls[m[1]] : value;
    }
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    return value;
  };
  return resolve(readRawManifest()) as Manifest;
}

export function configurationCategories(manifest: Manifest): ConfigurationCategory[] {
  const c = manifest.contributes.configuration;
  return Array.isArray(c) ? c : [c];
}

/** Every contributed setting, by its full key. */
export function contributedSettings(manifest: Manifest): Map<string, SettingSchema> {
  const settings = new Map<string, SettingSchema>();
  for (const category of configurationCategories(manifest))
    for (const [key, schema] of Object.entries(category.properties)) settings.set(key, schema);
  return settings;
}

export function contributedCommands(manifest: Manifest): string[] {
  return manifest.contributes.commands.map((c) => c.command);
}
