#!/usr/bin/env bash
# Install Debian packages by name, waiting for a busy dpkg/apt lock instead of failing
# (a fresh machine may still be running its own apt job: "Could not get lock /var/lib/dpkg/lock-frontend").
# Needs root, or sudo. Usage: bash scripts/apt_install.sh PACKAGE...
set -euo pipefail
[ "$#" -gt 0 ] || exit 0
sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd="sudo"
apt_opts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
for attempt in 1 2 3; do
  if $sudo_cmd apt-get "${apt_opts[@]}" update -qq \
    && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "$@" >/dev/null; then
    exit 0
  fi
  echo "apt-get failed (attempt $attempt of 3); waiting 20 s before trying again" >&2
  sleep 20
done
echo "could not install: $*" >&2
exit 1
