#!/bin/sh
# Installs the hactl agent on a server and starts it under systemd.
#
#   curl -fsSL https://<where you host it>/install.sh | sh -s -- \
#     --bundle URL_OR_PATH --server CONTROL_PLANE:7443 --name kafka1 --address 10.0.0.21 \
#     [--package-host downloads.apache.org ...]
#
# The agent runs as root and starts every service under its own system account (zookeeper, kafka,
# storm, elasticsearch), which it creates with useradd when missing. --package-host (repeatable) lists
# the hosts distribution.package URLs may download from; without one the agent downloads no package.
#
# --bundle is a tarball of a built hactl checkout (`scripts/bundle.sh` is not shipped yet: today make
# it with `tar czf hactl.tgz --exclude=.git .` after scripts/setup.sh). Needs Node.js 20+.
# Re-running the script upgrades the agent in place; running services are not restarted
# (the unit uses KillMode=process and the new agent adopts them).
set -eu

BUNDLE="" SERVER="" NAME="" ADDRESS="" PACKAGE_HOSTS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) BUNDLE=$2; shift 2 ;;
    --package-host)
      case "$2" in *[!A-Za-z0-9.:\[\]-]*|"") echo "install.sh: --package-host must be HOST or HOST:PORT" >&2; exit 2 ;; esac
      PACKAGE_HOSTS="${PACKAGE_HOSTS:+$PACKAGE_HOSTS,}$2"; shift 2 ;;
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

[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root: the agent creates the services' system accounts and starts each service under its own" >&2; exit 1; }
command -v node >/dev/null 2>&1 || { echo "install.sh: Node.js 20+ is required (apt-get install nodejs)" >&2; exit 1; }
command -v useradd >/dev/null 2>&1 || { echo "install.sh: useradd is required to create the services' accounts (apt-get install passwd)" >&2; exit 1; }
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

# The state dir (applied state, the control plane this agent follows, pid files) is root's alone: the
# agent re-validates it at start, but nobody else should write it. The data root stays traversable:
# each service account reaches its own directories below it.
install -d -m 0755 /etc/hactl /var/lib/hactl
install -d -m 0700 /var/lib/hactl-agent
chmod 0700 /var/lib/hactl-agent
umask 077
# Re-running keeps the operator's extra flags.
FLAGS=$(sed -n 's/^HACTL_AGENT_FLAGS=//p' /etc/hactl/agent.env 2>/dev/null || true)
cat > /etc/hactl/agent.env <<ENV
HACTL_SERVER=$SERVER
HACTL_NAME=$NAME
HACTL_ADDRESS=$ADDRESS
HACTL_AGENT_PACKAGE_HOSTS=$PACKAGE_HOSTS
HACTL_AGENT_FLAGS=$FLAGS
ENV
cp /opt/hactl/deploy/systemd/hactl-agent.service /etc/systemd/system/hactl-agent.service
systemctl daemon-reload
systemctl enable hactl-agent >/dev/null
systemctl restart hactl-agent
echo "hactl agent $NAME ($ADDRESS) installed; it connects to $SERVER"
