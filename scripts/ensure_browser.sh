#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (Playwright's own browser download does not work
# offline). Install it when missing and we are root; otherwise say how, and the browser
# tests skip with that reason.
set -u
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "evalkit: installing Debian chromium for the browser tests" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "evalkit: could not install chromium; browser tests will be skipped" >&2
else
  echo "evalkit: /usr/bin/chromium missing; run 'sudo apt-get install chromium' for browser tests" >&2
fi
exit 0
