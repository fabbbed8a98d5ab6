// The webview entry; see the viewer issue.
