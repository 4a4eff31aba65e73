#!/bin/sh
# Installs (or upgrades in place) the hactl agent on a server, enrolls it with the control plane and
# starts it. Served by the control plane at GET /install.sh; run it through the one-liner
# `hactl install-command --name NAME --address IP` prints, which carries the control plane's CA (so
# curl verifies the first contact without -k), the CA's SHA-256, and a fresh join token:
#
#   sh -c 'd=$(mktemp -d) && echo <CA base64> | base64 -d > "$d/ca.pem" && curl -fsS --cacert "$d/ca.pem" \
#     https://CP:7080/install.sh | sh -s -- --control-plane https://CP:7080 --grpc CP:7443 \
#     --ca-file "$d/ca.pem" --ca-sha256 FP --token T --name kafka1 --address 10.0.0.21 [--label k=v]'
#
# It downloads the agent bundle from the control plane and checks it against the SHA-256 below
# (filled in by the control plane when it serves this script), installs it under /opt/hactl, writes
# /etc/hactl/agent.env and /etc/hactl/ca.pem, and starts the systemd unit where systemd runs, or the
# agent directly elsewhere (a container, a namespace). The agent generates its key on this server,
# enrolls with the token, and keeps key and certificate in /var/lib/hactl-agent/tls: re-running the
# script upgrades the agent in place and keeps that identity (services keep running; the new agent
# adopts them). HACTL_INSTALL_ROOT (default /) puts every path below another root (tests).
# --grpc takes one HOST:PORT or a comma list of the control plane's replicas (a:7443,b:7443,c:7443);
# it goes into agent.env as HACTL_AGENT_SERVER unchanged, and the agent fails over between them.
set -eu

BUNDLE_SHA256='@HACTL_BUNDLE_SHA256@'
R=${HACTL_INSTALL_ROOT:-}
R=${R%/}

CP="" GRPC="" CA_FILE="" CA_SHA="" TOKEN="" NAME="" ADDRESS="" FLAGS="" PACKAGE_HOSTS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --control-plane) CP=$2; shift 2 ;;
    --grpc) GRPC=$2; shift 2 ;;
    --ca-file) CA_FILE=$2; shift 2 ;;
    --ca-sha256) CA_SHA=$2; shift 2 ;;
    --token) TOKEN=$2; shift 2 ;;
    --name) NAME=$2; shift 2 ;;
    --address) ADDRESS=$2; shift 2 ;;
    --label)
      case "$2" in *[!A-Za-z0-9._/=-]*|"") echo "install.sh: --label must be KEY=VALUE" >&2; exit 2 ;; esac
      FLAGS="$FLAGS --label $2"; shift 2 ;;
    --package-host)
      case "$2" in *[!A-Za-z0-9.:\[\]-]*|"") echo "install.sh: --package-host must be HOST or HOST:PORT" >&2; exit 2 ;; esac
      PACKAGE_HOSTS="${PACKAGE_HOSTS:+$PACKAGE_HOSTS,}$2"; shift 2 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
missing=""
for v in CP:--control-plane GRPC:--grpc CA_FILE:--ca-file CA_SHA:--ca-sha256 NAME:--name ADDRESS:--address; do
  eval "val=\$${v%%:*}"
  [ -n "$val" ] || missing="$missing ${v#*:}"
done
if [ -n "$missing" ]; then echo "install.sh: missing$missing" >&2; exit 2; fi
case "$NAME" in *[!A-Za-z0-9.-]*) echo "install.sh: --name must be letters, digits, '.', '-'" >&2; exit 2 ;; esac
case "$ADDRESS" in *[!0-9a-fA-F.:]*) echo "install.sh: --address must be an IP address" >&2; exit 2 ;; esac
case "$GRPC" in *[!A-Za-z0-9.:,-]*|,*|*,|*,,*) echo "install.sh: --grpc must be HOST:PORT or a comma list HOST:PORT,HOST:PORT" >&2; exit 2 ;; esac
case "$CP" in https://*) ;; *) echo "install.sh: --control-plane must be an https:// URL" >&2; exit 2 ;; esac
case "$TOKEN" in *[!A-Za-z0-9_-]*) echo "install.sh: --token must be a join token" >&2; exit 2 ;; esac
case "$BUNDLE_SHA256" in *[!0-9a-f]*|"") echo "install.sh: this script was not served by a control plane (no bundle SHA-256)" >&2; exit 1 ;; esac

[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root: the agent creates the services' system accounts and starts each service under its own" >&2; exit 1; }
command -v node >/dev/null 2>&1 || { echo "install.sh: Node.js 20+ is required (apt-get install nodejs)" >&2; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || { echo "install.sh: Node.js 20+ is required, found $(node --version)" >&2; exit 1; }

# The CA the one-liner carries must be the one whose fingerprint it names (SHA-256 of the DER).
got=$(sed '/-----/d' "$CA_FILE" | base64 -d | sha256sum | cut -d' ' -f1)
[ "$got" = "$CA_SHA" ] || { echo "install.sh: $CA_FILE has SHA-256 $got, not $CA_SHA" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
curl -fsS --cacert "$CA_FILE" "$CP/agent-bundle.tar.gz" -o "$tmp/hactl.tgz"
echo "$BUNDLE_SHA256  $tmp/hactl.tgz" | sha256sum -c --quiet - || { echo "install.sh: the agent bundle does not have the SHA-256 this script names" >&2; exit 1; }
mkdir -p "$tmp/new"
tar xzf "$tmp/hactl.tgz" -C "$tmp/new"
[ -x "$tmp/new/bin/hactl-agent" ] || { echo "install.sh: bundle has no bin/hactl-agent" >&2; exit 1; }
mkdir -p "$R/opt"
rm -rf "$R/opt/hactl.new" && mv "$tmp/new" "$R/opt/hactl.new"
[ -d "$R/opt/hactl" ] && mv "$R/opt/hactl" "$R/opt/hactl.old"
mv "$R/opt/hactl.new" "$R/opt/hactl" && rm -rf "$R/opt/hactl.old"

# The state dir (key, certificate, applied state, pid files) is root's alone. The data root stays
# traversable: each service account reaches its own directories below it.
install -d -m 0755 "$R/etc/hactl" "$R/var/lib/hactl"
install -d -m 0700 "$R/var/lib/hactl-agent"
install -m 0644 "$CA_FILE" "$R/etc/hactl/ca.pem"
# Re-running keeps the operator's extra flags. The token matters only until the agent holds a
# certificate (then it is ignored); it is single-use, bound to this name, and expires.
EXTRA=$(sed -n 's/^HACTL_AGENT_EXTRA_FLAGS="\(.*\)"$/\1/p' "$R/etc/hactl/agent.env" 2>/dev/null || true)
# 0600 from its creation (a subshell's umask: the agent started below must not inherit 077, or the
# directories it makes for services would be closed to their accounts).
(umask 077 && cat > "$R/etc/hactl/agent.env") <<ENV
HACTL_AGENT_SERVER=$GRPC
HACTL_AGENT_NAME=$NAME
HACTL_AGENT_ADDRESS=$ADDRESS
HACTL_AGENT_TOKEN=$TOKEN
HACTL_AGENT_CA_FILE=$R/etc/hactl/ca.pem
HACTL_AGENT_CA_SHA256=$CA_SHA
HACTL_AGENT_PACKAGE_HOSTS=$PACKAGE_HOSTS
HACTL_AGENT_FLAGS="--state-dir $R/var/lib/hactl-agent --data-root $R/var/lib/hactl$FLAGS $EXTRA"
HACTL_AGENT_EXTRA_FLAGS="$EXTRA"
ENV

if [ -z "$R" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  cp /opt/hactl/deploy/systemd/hactl-agent.service /etc/systemd/system/hactl-agent.service
  systemctl daemon-reload
  systemctl enable hactl-agent >/dev/null
  systemctl restart hactl-agent
  echo "hactl agent $NAME ($ADDRESS) installed under systemd; it enrolls with and connects to $GRPC"
  exit 0
fi
# No systemd: run the agent directly, replacing the one a previous run started.
pidfile="$R/var/lib/hactl-agent/agent.pid"
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  kill "$(cat "$pidfile")"
  while kill -0 "$(cat "$pidfile")" 2>/dev/null; do sleep 0.2; done
fi
set -a
. "$R/etc/hactl/agent.env"
set +a
# shellcheck disable=SC2086 # HACTL_AGENT_FLAGS is a list of flags
nohup "$R/opt/hactl/bin/hactl-agent" $HACTL_AGENT_FLAGS >>"$R/var/lib/hactl-agent/agent.log" 2>&1 </dev/null &
echo $! > "$pidfile"
echo "hactl agent $NAME ($ADDRESS) installed and started (pid $!, no systemd); it enrolls with and connects to $GRPC"
