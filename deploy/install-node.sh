#!/usr/bin/env bash
# Crowdmesh: set this machine (a Raspberry Pi, or any Debian box) up as node NAME
# of the mesh, run by systemd:
#  - installs the packages (deploy/install-deps.sh), builds, and installs the
#    binaries, the unit audio_node@.service and the docs (`cmake --install`, PREFIX);
#  - creates the system user 'crowdmesh' in the 'audio' group;
#  - lets the audio group use real-time priority and locked memory
#    (/etc/security/limits.d/crowdmesh.conf; the unit sets the same limits itself);
#  - puts the mesh config at /etc/crowdmesh/mesh.toml (CONFIG, else the example,
#    which you then edit: NAME must be one of its [nodes.*]);
#  - makes the node's CURVE key pair once (/etc/crowdmesh/keys/NAME.key, mode 0600,
#    owned by 'crowdmesh') and prints its public key for the config's
#    [nodes.NAME] public_key (docs/SECURITY.md);
#  - enables and starts audio_node@NAME.
# Usage (as root): deploy/install-node.sh NAME [CONFIG]   env: PREFIX (default /usr/local), BUILD_DIR
# Undo: systemctl disable --now audio_node@NAME; rm /etc/security/limits.d/crowdmesh.conf
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name="${1:-}"
config="${2:-}"
prefix="${PREFIX:-/usr/local}"
build="${BUILD_DIR:-$root/build}"
if [ -z "$name" ] || [ "$name" = "-h" ] || [ "$name" = "--help" ]; then
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
if ! [[ "$name" =~ ^[A-Za-z0-9_-]{1,64}$ ]]; then
  echo "install-node: node name '$name' is not valid (1..64 characters of A-Z, a-z, 0-9, '-' and '_')" >&2
  exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-node: run as root (it writes /etc and installs a service)" >&2
  exit 2
fi
if [ -n "$config" ] && [ ! -r "$config" ]; then
  echo "install-node: cannot read the mesh config $(realpath -m "$config")" >&2
  exit 2
fi

"$root/deploy/install-deps.sh"
"$root/deploy/build.sh" "$build" -DCMAKE_INSTALL_PREFIX="$prefix"
cmake --install "$build" --prefix "$prefix"

id crowdmesh >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /var/lib/crowdmesh \
  --shell /usr/sbin/nologin --groups audio crowdmesh
usermod -a -G audio crowdmesh

cat > /etc/security/limits.d/crowdmesh.conf <<'LIMITS'
# Crowdmesh: real-time scheduling and locked memory for the audio group
# (audio_node's device callback and playout thread; see docs/RASPBERRY_PI.md).
@audio - rtprio 95
@audio - memlock unlimited
LIMITS

install -d -m 0755 /etc/crowdmesh
if [ -n "$config" ]; then
  install -m 0644 "$config" /etc/crowdmesh/mesh.toml
elif [ ! -e /etc/crowdmesh/mesh.toml ]; then
  install -m 0644 "$root/deploy/mesh.example.toml" /etc/crowdmesh/mesh.toml
  echo "install-node: /etc/crowdmesh/mesh.toml is the example: edit it so that it names '$name' and this machine's address"
fi
install -d -m 0700 -o crowdmesh -g crowdmesh /etc/crowdmesh/keys
key="/etc/crowdmesh/keys/$name.key"
if [ ! -e "$key" ]; then
  "$prefix/bin/control_node" keygen --name "$name" --out "$key" | sed 's/^/install-node: /'
  chown crowdmesh:crowdmesh "$key"
else
  echo "install-node: keeping the key pair in $key (public key: $(sed -n 's/^public_key = "\(.*\)"$/\1/p' "$key"))"
fi
if ! grep -q "^\[nodes\.$name\]" /etc/crowdmesh/mesh.toml; then
  echo "install-node: warning: /etc/crowdmesh/mesh.toml has no [nodes.$name]: the service will refuse to start until it does" >&2
fi

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable --now "audio_node@$name.service"
  systemctl --no-pager status "audio_node@$name.service" | head -n 5 || true
  echo "install-node: audio_node@$name enabled; logs: journalctl -u audio_node@$name -f"
else
  echo "install-node: systemd is not running here: installed, not started (start with: systemctl enable --now audio_node@$name)"
fi
