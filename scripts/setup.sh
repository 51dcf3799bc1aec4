#!/usr/bin/env bash
# Installs what kidvoice needs on a Debian/Ubuntu machine with Node.js 20: ffmpeg and yt-dlp from the
# distribution, a current yt-dlp in .venv/ (scripts/setup-yt-dlp.sh), then the npm dependencies from the
# lockfile (deno, yt-dlp's JavaScript runtime, comes with them). Safe to run again; installs only what is missing.
# With --test it also installs what the tests run against: nginx (a real WebDAV server for the upload tests) and
# prometheus (its promtool lints the metrics exposition) and PostgreSQL 15 (tests start private servers).
set -euo pipefail
cd "$(dirname "$0")/.."

tools=(ffmpeg:ffmpeg ffprobe:ffmpeg yt-dlp:yt-dlp)
case "${1:-}" in
  --test) tools+=(nginx:nginx-light promtool:prometheus pg_ctl:postgresql-15) ;;
  "") ;;
  *) echo "usage: bash scripts/setup.sh [--test]" >&2; exit 1 ;;
esac

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "kidvoice needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

missing=()
for entry in "${tools[@]}"; do
  tool=${entry%%:*} package=${entry#*:}
  # nginx lives in /usr/sbin, which a non-root PATH may lack; PostgreSQL's server programs are never on PATH.
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || [ -x "/usr/lib/postgresql/15/bin/$tool" ] ||
    missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  echo "installing system packages: $packages"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  # shellcheck disable=SC2086 # one word a package
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq $packages >/dev/null
fi

# onnxruntime-node's install step would fetch GPU libraries from the internet; the variable skips it (the CPU build
# ships inside). An environment variable, not an .npmrc line: npm warns about an unknown .npmrc key on every `npm run`.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
fi
bash scripts/setup-yt-dlp.sh

# The CLI's bundle, dist/cli/main.js, which bin/kidvoice.js runs (built again only when a source is newer).
node scripts/build.mjs
yt_dlp=yt-dlp
[ -x .venv/bin/yt-dlp ] && yt_dlp=.venv/bin/yt-dlp
echo "setup done: $(ffmpeg -version | head -n1 | cut -d' ' -f1-3), yt-dlp $("$yt_dlp" --version) ($yt_dlp), node $(node --version)"
