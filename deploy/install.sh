#!/bin/sh
# Installs the hactl agent on a server and starts it under systemd.
#
#   curl -fsSL https://<where you host it>/install.sh | sh -s -- \
#     --bundle URL_OR_PATH --server CONTROL_PLANE:7443 --name kafka1 --address 10.0.0.21
#
# --bundle is a tarball of a built hactl checkout (`scripts/bundle.sh` is not shipped yet: today make
# it with `tar czf hactl.tgz --exclude=.git .` after scripts/setup.sh). Needs Node.js 20+.
# Re-running the script upgrades the agent in place; running services are not restarted
# (the unit uses KillMode=process and the new agent adopts them).
set -eu

BUNDLE="" SERVER="" NAME="" ADDRESS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) BUNDLE=$2; shift 2 ;;
    --server) SERVER=$2; shift 2 ;;
    --name) NAME=$2; shift 2 ;;
    --address) ADDRESS=$2; shift 2 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
missing=""
[ -n "$BUNDLE" ] || missing="$missing --bundle"
[ -n "$SERVER" ] || missing="$missing --server"
[ -n "$NAME" ] || missing="$missing --name"
[ -n "$ADDRESS" ] || missing="$missing --address"
if [ -n "$missing" ]; then echo "install.sh: missing$missing" >&2; exit 2; fi
case "$NAME" in *[!A-Za-z0-9.-]*|"") echo "install.sh: --name must be letters, digits, '.', '-'" >&2; exit 2 ;; esac
case "$ADDRESS" in *[!0-9a-fA-F.:]*) echo "install.sh: --address must be an IP address" >&2; exit 2 ;; esac
case "$SERVER" in *[!A-Za-z0-9.:-]*) echo "install.sh: --server must be HOST:PORT" >&2; exit 2 ;; esac

command -v node >/dev/null 2>&1 || { echo "install.sh: Node.js 20+ is required (apt-get install nodejs)" >&2; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || { echo "install.sh: Node.js 20+ is required, found $(node --version)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case "$BUNDLE" in
  http://*|https://*) curl -fsSL "$BUNDLE" -o "$tmp/hactl.tgz" ;;
  *) cp "$BUNDLE" "$tmp/hactl.tgz" ;;
esac
mkdir -p "$tmp/new"
tar xzf "$tmp/hactl.tgz" -C "$tmp/new"
[ -x "$tmp/new/bin/hactl-agent" ] || { echo "install.sh: bundle has no bin/hactl-agent" >&2; exit 1; }
rm -rf /opt/hactl.new && mv "$tmp/new" /opt/hactl.new
[ -d /opt/hactl ] && mv /opt/hactl /opt/hactl.old
mv /opt/hactl.new /opt/hactl && rm -rf /opt/hactl.old

mkdir -p /etc/hactl /var/lib/hactl-agent /var/lib/hactl
umask 077
cat > /etc/hactl/agent.env <<ENV
HACTL_SERVER=$SERVER
HACTL_NAME=$NAME
HACTL_ADDRESS=$ADDRESS
ENV
cp /opt/hactl/deploy/systemd/hactl-agent.service /etc/systemd/system/hactl-agent.service
systemctl daemon-reload
systemctl enable hactl-agent >/dev/null
systemctl restart hactl-agent
echo "hactl agent $NAME ($ADDRESS) installed; it connects to $SERVER"
