// esbuild emits imported CSS as dist/webview.css; the import itself has no value.
declare module '*.css';
