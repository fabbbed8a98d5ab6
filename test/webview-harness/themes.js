// A subset of the CSS variables VS Code injects into webviews, per theme kind, so the harness
// page looks like the workbench. Values are VS Code's Dark Modern / Light Modern / Dark High
// Contrast defaults (rounded where VS Code uses alpha over the editor background).
window.__harnessThemes = {
  dark: {
    body: 'vscode-dark',
    vars: {
      'editor-background': '#1f1f1f', foreground: '#cccccc', 'editor-foreground': '#cccccc', focusBorder: '#0078d4',
      'sideBar-background': '#181818', 'panel-border': '#2b2b2b', 'editorWidget-background': '#202020', descriptionForeground: '#9d9d9d',
      'button-background': '#0078d4', 'button-foreground': '#ffffff', 'button-hoverBackground': '#026ec1', 'button-border': '#ffffff12',
      'button-secondaryBackground': '#313131', 'button-secondaryForeground': '#cccccc', 'button-secondaryHoverBackground': '#3c3c3c', 'button-separator': '#ffffff66',
      'settings-textInputBackground': '#313131', 'settings-textInputBorder': '#3c3c3c', 'settings-textInputForeground': '#cccccc',
      'settings-dropdownBackground': '#313131', 'settings-dropdownBorder': '#3c3c3c', 'settings-dropdownForeground': '#cccccc', 'settings-dropdownListBorder': '#454545',
      'settings-checkboxBackground': '#313131', 'settings-checkboxBorder': '#3c3c3c', 'settings-checkboxForeground': '#cccccc',
      'checkbox-background': '#313131', 'checkbox-border': '#3c3c3c', 'checkbox-foreground': '#cccccc', 'input-border': '#3c3c3c', 'input-placeholderForeground': '#989898',
      'badge-background': '#616161', 'badge-foreground': '#f8f8f8', 'list-hoverBackground': '#2a2d2e', 'list-activeSelectionBackground': '#04395e', 'list-activeSelectionForeground': '#ffffff',
      errorForeground: '#f85149', 'inputValidation-errorBackground': '#5a1d1d', 'inputValidation-errorBorder': '#be1100',
      'inputValidation-warningBackground': '#352a05', 'inputValidation-warningBorder': '#b89500', 'inputValidation-infoBackground': '#063b49', 'inputValidation-infoBorder': '#007acc',
      'textBlockQuote-background': '#2b2b2b', 'textCodeBlock-background': '#2b2b2b', 'editorWarning-foreground': '#cca700', 'editorInfo-foreground': '#3794ff',
      'progressBar-background': '#0078d4', 'toolbar-hoverBackground': '#5a5d5e50', 'sideBarSectionHeader-foreground': '#cccccc', 'widget-shadow': '#0000005c',
      'menu-background': '#1f1f1f', 'menu-foreground': '#cccccc', 'menu-selectionBackground': '#0078d4', 'menu-selectionForeground': '#ffffff', 'scrollbarSlider-background': '#79797966',
    },
  },
  light: {
    body: 'vscode-light',
    vars: {
      'editor-background': '#ffffff', foreground: '#3b3b3b', 'editor-foreground': '#3b3b3b', focusBorder: '#005fb8',
      'sideBar-background': '#f8f8f8', 'panel-border': '#e5e5e5', 'editorWidget-background': '#f8f8f8', descriptionForeground: '#616161',
      'button-background': '#005fb8', 'button-foreground': '#ffffff', 'button-hoverBackground': '#0258a8', 'button-border': '#0000001a',
      'button-secondaryBackground': '#e5e5e5', 'button-secondaryForeground': '#3b3b3b', 'button-secondaryHoverBackground': '#cccccc', 'button-separator': '#ffffff66',
      'settings-textInputBackground': '#ffffff', 'settings-textInputBorder': '#cecece', 'settings-textInputForeground': '#3b3b3b',
      'settings-dropdownBackground': '#ffffff', 'settings-dropdownBorder': '#cecece', 'settings-dropdownForeground': '#3b3b3b', 'settings-dropdownListBorder': '#c8c8c8',
      'settings-checkboxBackground': '#f8f8f8', 'settings-checkboxBorder': '#cecece', 'settings-checkboxForeground': '#3b3b3b',
      'checkbox-background': '#f8f8f8', 'checkbox-border': '#cecece', 'checkbox-foreground': '#3b3b3b', 'input-border': '#cecece', 'input-placeholderForeground': '#767676',
      'badge-background': '#cccccc', 'badge-foreground': '#3b3b3b', 'list-hoverBackground': '#f2f2f2', 'list-activeSelectionBackground': '#e8e8e8', 'list-activeSelectionForeground': '#000000',
      errorForeground: '#f85149', 'inputValidation-errorBackground': '#f2dede', 'inputValidation-errorBorder': '#be1100',
      'inputValidation-warningBackground': '#f6f5d2', 'inputValidation-warningBorder': '#b89500', 'inputValidation-infoBackground': '#d6ecf2', 'inputValidation-infoBorder': '#007acc',
      'textBlockQuote-background': '#f8f8f8', 'textCodeBlock-background': '#f8f8f8', 'editorWarning-foreground': '#bf8803', 'editorInfo-foreground': '#1a85ff',
      'progressBar-background': '#005fb8', 'toolbar-hoverBackground': '#b8b8b850', 'sideBarSectionHeader-foreground': '#3b3b3b', 'widget-shadow': '#00000029',
      'menu-background': '#ffffff', 'menu-foreground': '#3b3b3b', 'menu-selectionBackground': '#005fb8', 'menu-selectionForeground': '#ffffff', 'scrollbarSlider-background': '#64646466',
    },
  },
  'high-contrast': {
    body: 'vscode-high-contrast',
    vars: {
      'editor-background': '#000000', foreground: '#ffffff', 'editor-foreground': '#ffffff', focusBorder: '#f38518', contrastBorder: '#6fc3df',
      'sideBar-background': '#000000', 'panel-border': '#6fc3df', 'editorWidget-background': '#0c141f', descriptionForeground: '#ffffff',
      'button-background': '#000000', 'button-foreground': '#ffffff', 'button-hoverBackground': '#000000', 'button-border': '#6fc3df',
      'button-secondaryBackground': '#000000', 'button-secondaryForeground': '#ffffff', 'button-secondaryHoverBackground': '#000000', 'button-separator': '#ffffff',
      'settings-textInputBackground': '#000000', 'settings-textInputBorder': '#6fc3df', 'settings-textInputForeground': '#ffffff',
      'settings-dropdownBackground': '#000000', 'settings-dropdownBorder': '#6fc3df', 'settings-dropdownForeground': '#ffffff', 'settings-dropdownListBorder': '#6fc3df',
      'settings-checkboxBackground': '#000000', 'settings-checkboxBorder': '#6fc3df', 'settings-checkboxForeground': '#ffffff',
      'checkbox-background': '#000000', 'checkbox-border': '#6fc3df', 'checkbox-foreground': '#ffffff', 'input-border': '#6fc3df', 'input-placeholderForeground': '#ffffffb3',
      'badge-background': '#000000', 'badge-foreground': '#ffffff', 'list-hoverBackground': '#000000', 'list-activeSelectionBackground': '#000000', 'list-activeSelectionForeground': '#ffffff',
      errorForeground: '#f48771', 'inputValidation-errorBackground': '#000000', 'inputValidation-errorBorder': '#6fc3df',
      'inputValidation-warningBackground': '#000000', 'inputValidation-warningBorder': '#6fc3df', 'inputValidation-infoBackground': '#000000', 'inputValidation-infoBorder': '#6fc3df',
      'textBlockQuote-background': '#000000', 'textCodeBlock-background': '#000000', 'editorWarning-foreground': '#ffd370', 'editorInfo-foreground': '#3794ff',
      'progressBar-background': '#6fc3df', 'toolbar-hoverBackground': '#000000', 'sideBarSectionHeader-foreground': '#ffffff', 'widget-shadow': '#00000000',
      'menu-background': '#000000', 'menu-foreground': '#ffffff', 'menu-selectionBackground': '#000000', 'menu-selectionForeground': '#ffffff', 'scrollbarSlider-background': '#6fc3df99',
    },
  },
};
window.__applyHarnessTheme = (name) => {
  const t = window.__harnessThemes[name];
  document.body.classList.remove('vscode-dark', 'vscode-light', 'vscode-high-contrast');
  document.body.classList.add(t.body);
  document.body.dataset.vscodeThemeKind = t.body;
  const style = document.documentElement.style;
  for (const n of [...style]) if (n.startsWith('--vscode-')) style.removeProperty(n);
  style.setProperty('--vscode-font-family', 'system-ui, "Segoe UI", "Ubuntu", "Droid Sans", sans-serif');
  style.setProperty('--vscode-font-size', '13px');
  style.setProperty('--vscode-font-weight', 'normal');
  style.setProperty('--vscode-editor-font-family', '"Droid Sans Mono", monospace');
  for (const [k, v] of Object.entries(t.vars)) style.setProperty(`--vscode-${k}`, v);
};
