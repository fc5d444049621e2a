#!/usr/bin/env bash
# Opens one station's screen full screen: waits until the station answers on 127.0.0.1, then runs
# Chromium in --kiosk mode on it (under the cage Wayland compositor when no display is running).
#
#   launch-kiosk.sh STATION              STATION: booth-N | identity | results | transmission
#   launch-kiosk.sh --print-url STATION  print the URL the kiosk opens, and exit
#
# Environment (all optional):
#   VEP_PORT               the station's port (from /etc/vep/STATION.env); default per station below
#   VEP_KIOSK_BROWSER      browser to run (default /usr/bin/chromium)
#   VEP_KIOSK_COMPOSITOR   'cage' (default when neither WAYLAND_DISPLAY nor DISPLAY is set) or 'none'
#   VEP_KIOSK_LANG         browser UI language (default es-419)
set -euo pipefail

usage() {
  echo "usage: $0 [--print-url] booth-N|identity|results|transmission" >&2
  exit 2
}

print_only=no
if [ "${1:-}" = "--print-url" ]; then
  print_only=yes
  shift
fi
[ $# -eq 1 ] || usage
station=$1

# Must match Environment=VEP_PORT=... in deploy/systemd/*.service (a test checks it).
case "$station" in
  booth-[1-9] | booth-[1-9][0-9]) default_port=8101 ;;
  identity) default_port=8110 ;;
  results) default_port=8120 ;;
  transmission) default_port=8130 ;;
  *) usage ;;
esac
port=${VEP_PORT:-$default_port}
if ! [[ "$port" =~ ^[0-9]{1,5}$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
  echo "launch-kiosk: VEP_PORT must be a port number, got '$port'" >&2
  exit 2
fi
url="http://127.0.0.1:${port}/"
if [ "$print_only" = yes ]; then
  echo "$url"
  exit 0
fi

# The station binds its port only once its package verified and its screen is ready, so a page
# that answers 200 is the station's real screen (never a browser error page the voter would see).
station_answers() {
  local status=''
  exec 3<>"/dev/tcp/127.0.0.1/${port}" || return 1
  printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$port" >&3
  IFS= read -r -t 5 status <&3 || true
  exec 3<&- 3>&-
  [[ "$status" == HTTP/1.[01]\ 200* ]]
}

echo "launch-kiosk: waiting for ${station} at ${url}" >&2
waited=0
until station_answers 2>/dev/null; do
  sleep 1
  waited=$((waited + 1))
  if [ $((waited % 60)) -eq 0 ]; then
    echo "launch-kiosk: ${station} still not answering at ${url} after ${waited}s (see journalctl -u the station's unit)" >&2
  fi
done
echo "launch-kiosk: ${station} answers, opening ${url}" >&2

# A fresh profile on tmpfs for every start: nothing the screen showed survives a restart on disk,
# and no first-run, keyring, translate or restore-session prompt can appear.
runtime=${XDG_RUNTIME_DIR:-${TMPDIR:-/tmp}}
profile="${runtime}/vep-kiosk-${station}"
rm -rf -- "$profile"
mkdir -m 0700 -p -- "$profile"
export HOME="$profile" XDG_CONFIG_HOME="$profile/config" XDG_CACHE_HOME="$profile/cache"

browser=${VEP_KIOSK_BROWSER:-/usr/bin/chromium}
args=(
  --kiosk
  --incognito
  "--user-data-dir=${profile}/chromium"
  --no-first-run
  --no-default-browser-check
  --password-store=basic
  --disable-features=Translate,TranslateUI,MediaRouter,OptimizationHints
  --disable-translate
  --disable-sync
  --disable-extensions
  --disable-component-update
  --disable-background-networking
  --disable-default-apps
  --disable-session-crashed-bubble
  --disable-infobars
  --noerrdialogs
  --no-pings
  --disable-pinch
  --overscroll-history-navigation=0
  --autoplay-policy=no-user-gesture-required
  --check-for-update-interval=31536000
  "--lang=${VEP_KIOSK_LANG:-es-419}"
  --ozone-platform-hint=auto
  "$url"
)

compositor=${VEP_KIOSK_COMPOSITOR:-}
if [ -z "$compositor" ]; then
  if [ -n "${WAYLAND_DISPLAY:-}" ] || [ -n "${DISPLAY:-}" ]; then compositor=none; else compositor=cage; fi
fi
case "$compositor" in
  none) exec "$browser" "${args[@]}" ;;
  cage) exec cage -- "$browser" "${args[@]}" ;;
  *)
    echo "launch-kiosk: VEP_KIOSK_COMPOSITOR must be cage or none, got '$compositor'" >&2
    exit 2
    ;;
esac
