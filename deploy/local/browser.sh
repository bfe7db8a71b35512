#!/usr/bin/env bash
# The browser of the console's end-to-end tests: Debian's chromium, driven by playwright-core
# (no browser is downloaded at run time), and CJK fonts so zh-CN screenshots show their text.
# Installs both with apt-get when missing and this is root; otherwise says what to install.
# Prints the chromium path.
set -euo pipefail
chromium=${CHROMIUM_PATH:-$(command -v chromium || command -v chromium-browser || true)}
fonts=$(fc-list :lang=zh 2>/dev/null | head -1 || true)
if [[ -z $chromium || -z $fonts ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "duban: installing chromium and CJK fonts from Debian's packages" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk >&2 ||
      { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk >&2; }
    chromium=$(command -v chromium)
  else
    echo "duban: the console's browser tests need chromium and CJK fonts: sudo apt-get install chromium fonts-noto-cjk (or set CHROMIUM_PATH)" >&2
    exit 1
  fi
fi
printf '%s\n' "$chromium"
