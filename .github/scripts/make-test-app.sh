#!/usr/bin/env bash
# MyApp.app in the current folder: the smallest bundle codesign signs as an app (/usr/bin/true as
# its executable, an Info.plist naming it), for the jobs of .github/workflows/macos.yml.
set -euo pipefail

mkdir -p MyApp.app/Contents/MacOS
cp /usr/bin/true MyApp.app/Contents/MacOS/MyApp
plist=MyApp.app/Contents/Info.plist
rm -f "$plist"
plutil -create xml1 "$plist"
plutil -insert CFBundleExecutable -string MyApp "$plist"
plutil -insert CFBundleIdentifier -string dev.ascert.ci.MyApp "$plist"
plutil -insert CFBundlePackageType -string APPL "$plist"
plutil -lint "$plist"
