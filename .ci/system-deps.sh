#!/usr/bin/env bash
# Install the Debian packages tingke needs, only those missing (ffmpeg for media, chromium for
# the browser tests, espeak-ng and sox for synthetic speech, CJK fonts for synthetic slides and boards,
# node/npm for the web assets).
set -euo pipefail
need=()
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v chromium >/dev/null || need+=(chromium)
command -v espeak-ng >/dev/null || need+=(espeak-ng)
command -v sox >/dev/null || need+=(sox)
# a CJK font, so Chromium (tests, screenshots) renders Chinese instead of boxes
fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || need+=(fonts-wqy-microhei)
# a brush-written (楷书) CJK font: the board-text tests draw a blackboard in it, as a hand writes
[ -f /usr/share/fonts/truetype/arphic/ukai.ttc ] || need+=(fonts-arphic-ukai)
command -v npm >/dev/null || need+=(nodejs npm)
# coturn: the TURN tests reach the relay through a real TURN server on loopback
command -v turnserver >/dev/null || need+=(coturn)
# systemd-analyze: the deployment test verifies deploy/systemd/ with it
command -v systemd-analyze >/dev/null || need+=(systemd)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
