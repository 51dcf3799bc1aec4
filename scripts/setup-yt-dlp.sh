#!/usr/bin/env bash
# Installs the newest yt-dlp the Python package index offers into .venv/ (the project's own, gitignored), where
# kidvoice looks first (--yt-dlp auto). Prefers yt-dlp[default], whose yt-dlp-ejs scripts solve YouTube's
# challenges offline; falls back to plain yt-dlp (kidvoice then lets deno fetch those scripts: --remote-components
# ejs:npm), then to the distribution's yt-dlp on PATH. Says which it got and why. Run it again to update yt-dlp.
# Never waits long on an unreachable index: CI and offline machines fall back within seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
say() { echo "yt-dlp setup: $*"; }
# No retries and a short timeout: an index that cannot be reached is a fallback, not a reason to hang.
pip_args=(install --upgrade --disable-pip-version-check --no-input --retries 0 --timeout 10 -q)
pip_log=$(mktemp)
trap 'rm -f "$pip_log"' EXIT

# Why an attempt failed, in pip's words: what it could not find, else its last error.
why() {
  { grep -E '^ERROR: (No matching distribution|Could not find)' "$pip_log" || grep -E '^ERROR:' "$pip_log"; } | head -n 1 | sed 's/^ERROR: //' || true
}

make_venv() {
  [ -x "$venv/bin/pip" ] && return 0
  python3 -m venv "$venv" >"$pip_log" 2>&1 && return 0
  # Debian splits venv support out of python3.
  if command -v apt-get >/dev/null 2>&1; then
    say "python3 cannot make a virtual environment; installing python3-venv"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo -n)
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq python3-venv >/dev/null 2>&1 || true
    rm -rf "$venv"
    python3 -m venv "$venv" >"$pip_log" 2>&1 && return 0
  fi
  return 1
}

got=""
if ! command -v python3 >/dev/null 2>&1; then
  reason="python3 is not installed (apt-get install python3 python3-venv)"
elif ! make_venv; then
  reason="cannot create $venv: $(tail -n 1 "$pip_log") (apt-get install python3-venv)"
elif "$venv/bin/pip" "${pip_args[@]}" "yt-dlp[default]" >"$pip_log" 2>&1; then
  got="yt-dlp[default] (with the yt-dlp-ejs challenge scripts)"
else
  extra_failure=$(why)
  if "$venv/bin/pip" "${pip_args[@]}" yt-dlp >"$pip_log" 2>&1; then
    got="plain yt-dlp: yt-dlp[default] did not install (${extra_failure:-no reason given}); kidvoice passes --remote-components ejs:npm so deno fetches the challenge scripts"
  else
    reason="the Python package index cannot be reached or has no yt-dlp ($(why))"
  fi
fi

update_hint="update it later with: bash scripts/setup-yt-dlp.sh"
if [ -n "$got" ]; then
  say "$venv/bin/yt-dlp $("$venv/bin/yt-dlp" --version) from $got"
  say "$update_hint"
  exit 0
fi
if command -v yt-dlp >/dev/null 2>&1; then
  say "no yt-dlp in $venv: $reason"
  say "falling back to $(command -v yt-dlp) $(yt-dlp --version): fine for local files and direct media URLs, often too old for YouTube"
  say "fix where the index is reachable: bash scripts/setup-yt-dlp.sh"
  exit 0
fi
say "no yt-dlp at all: $reason. Install one: bash scripts/setup-yt-dlp.sh (with the index reachable) or apt-get install yt-dlp" >&2
exit 1
