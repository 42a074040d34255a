#!/usr/bin/env bash
# Installs a WebGPU adapter for CI machines without a GPU: Mesa's Vulkan
# software rasterizer (lavapipe) from Debian 12's bookworm-backports.
# Debian 12's own Mesa 22.3 is rejected by Dawn ("Vulkan
# shaderUniform*ArrayDynamicIndexing required"); Mesa 25.x works.
# Needs root (or sudo) and access to deb.debian.org. Idempotent.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

. /etc/os-release
if [ "${VERSION_CODENAME:-}" != "bookworm" ]; then
  echo "install-webgpu: this script targets Debian 12 (bookworm), found '${PRETTY_NAME:-unknown}'." >&2
  echo "install-webgpu: install Mesa >= 24 'mesa-vulkan-drivers' (lavapipe) from your distribution instead." >&2
  exit 1
fi

LIST=/etc/apt/sources.list.d/backports.list
if ! grep -qs '^deb .*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null; then
  echo 'deb http://deb.debian.org/debian bookworm-backports main' | $SUDO tee "$LIST" >/dev/null
fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1

# Report what Dawn will see (lavapipe's ICD JSON lives in /usr/share/vulkan/icd.d).
dpkg-query -W -f='install-webgpu: ${Package} ${Version}\n' mesa-vulkan-drivers libvulkan1
ls /usr/share/vulkan/icd.d/ | sed 's/^/install-webgpu: ICD /'
