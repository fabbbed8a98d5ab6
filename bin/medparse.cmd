@echo off
rem medparse in VS Code's integrated terminal: see the sh script beside this one.
setlocal
if defined MEDIMAGEPARSE_NODE (
  set ELECTRON_RUN_AS_NODE=1
  "%MEDIMAGEPARSE_NODE%" "%~dp0..\dist\cli.js" %*
) else (
  node "%~dp0..\dist\cli.js" %*
)
exit /b %ERRORLEVEL%
