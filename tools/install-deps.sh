#!/bin/sh
# Installs the Debian 12 packages of tools/debian-packages.txt.
# Run as root (CI) or through sudo.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends $(grep -v '^#' "$(dirname "$0")/debian-packages.txt")
