#!/usr/bin/env bash
# The peer of siegel bench: two Postfix instances on loopback, a sender side
# and a recipient side, relaying over SMTP with mutual TLS (certificates
# from a CA made here, the client's accepted by its fingerprint), the
# recipient side delivering to a Maildir; Postfix's own smtp-source injects
# N messages of SIZE bytes at the sender side, and the run ends when the
# last one is a file in the Maildir. Prints one JSON line with the figures.
#
#   bench/postfix/run.sh [-n MESSAGES] [-l SIZE] [-s SESSIONS] [--no-reuse] [--keep]
#
# Every listener is on 127.0.0.1; every process started here is stopped by
# its PID at the end, and the temporary folder removed (--keep leaves it,
# with both instances' logs, for a look). Needs root (Postfix's master
# runs as root and drops to the postfix user); installs Debian's postfix
# when it is missing, without starting the system's instance.
set -euo pipefail

messages=1000 size=5120 sessions=20 reuse=yes keep=
while [ $# -gt 0 ]; do
  case $1 in
    -n) messages=$2; shift 2 ;;
    -l) size=$2; shift 2 ;;
    -s) sessions=$2; shift 2 ;;
    --no-reuse) reuse=no; shift ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [-n MESSAGES] [-l SIZE] [-s SESSIONS] [--no-reuse] [--keep]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "postfix bench: needs root (Postfix's master starts as root)" >&2; exit 2; }

install_postfix() {
  command -v smtp-source >/dev/null && command -v postfix >/dev/null && return
  echo "postfix bench: installing Debian's postfix" >&2
  # No service starts during the install (policy-rc.d): the system's own
  # instance would listen on port 25 of every address.
  local norc=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; norc=1
  fi
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  local status=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null; } || status=$?
  [ -z "$norc" ] || rm -f /usr/sbin/policy-rc.d
  [ "$status" = 0 ] || exit "$status"
  command -v smtp-source >/dev/null || { echo "postfix bench: no smtp-source after the install" >&2; exit 1; }
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# make_certs DIR: a CA, the recipient side's server certificate and the
# sender side's client certificate, ECDSA P-256 as Siegel's.
make_certs() {
  local d=$1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Bench CA" \
    -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
  for who in sender recipient; do
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$who.bench.test" \
      -keyout "$d/$who.key" -out "$d/$who.csr" 2>/dev/null
    printf 'subjectAltName=DNS:%s.bench.test\nextendedKeyUsage=serverAuth,clientAuth\n' "$who" >"$d/$who.ext"
    openssl x509 -req -in "$d/$who.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
      -extfile "$d/$who.ext" -out "$d/$who.pem" 2>/dev/null
  done
  chmod 644 "$d"/*.pem; chmod 600 "$d"/*.key
}

# master_cf PORT: the services, none chrooted (the queue folder is
# temporary and holds no copy of /etc), smtpd on 127.0.0.1:PORT only.
master_cf() {
  cat <<MASTER
127.0.0.1:$1 inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
proxywrite unix - - n -  1 proxymap
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
local     unix  - n n -  - local
virtual   unix  - n n -  - virtual
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
tlsproxy  unix  - - n -  0 tlsproxy
MASTER
}

# common_cf NAME: what both instances share; loopback only.
common_cf() {
  cat <<MAIN
compatibility_level = 3.6
queue_directory = $base/$1/queue
data_directory = $base/$1/data
mail_owner = postfix
setgid_group = postdrop
myhostname = $1.bench.test
mydomain = bench.test
myorigin = \$myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtp_bind_address = 127.0.0.1
mynetworks = 127.0.0.0/8
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtputf8_enable = no
smtp_host_lookup = native
smtpd_peername_lookup = no
maillog_file = $base/$1/maillog
maillog_file_prefixes = $base
MAIN
}

setup() {
  make_certs "$base"
  mkdir -p "$base/sender/etc" "$base/recipient/etc" "$base/mail"
  chown postfix:postfix "$base/mail"
  local fp
  fp=$(openssl x509 -noout -fingerprint -sha256 -in "$base/sender.pem" | cut -d= -f2)
  { common_cf sender; cat <<MAIN
relayhost = [127.0.0.1]:$port_b
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_tls_security_level = verify
smtp_tls_policy_maps = inline:{ { [127.0.0.1]:$port_b = verify match=recipient.bench.test } }
smtp_tls_CAfile = $base/ca.pem
smtp_tls_cert_file = $base/sender.pem
smtp_tls_key_file = $base/sender.key
smtp_tls_connection_reuse = $reuse
smtp_tls_session_cache_database = btree:\$data_directory/smtp_scache
MAIN
  } >"$base/sender/etc/main.cf"
  { common_cf recipient; cat <<MAIN
virtual_mailbox_domains = recipient.bench.test
virtual_mailbox_base = $base/mail
virtual_mailbox_maps = inline:{ to@recipient.bench.test=bench/Maildir/ }
virtual_uid_maps = static:$(id -u postfix)
virtual_gid_maps = static:$(id -g postfix)
smtpd_tls_security_level = encrypt
smtpd_tls_cert_file = $base/recipient.pem
smtpd_tls_key_file = $base/recipient.key
smtpd_tls_CAfile = $base/ca.pem
smtpd_tls_ask_ccert = yes
smtpd_tls_req_ccert = yes
smtpd_tls_fingerprint_digest = sha256
relay_clientcerts = inline:{ $fp=sender.bench.test }
smtpd_client_restrictions = permit_tls_clientcerts, reject
smtpd_relay_restrictions = permit_tls_clientcerts, reject_unauth_destination
smtpd_tls_session_cache_database = btree:\$data_directory/smtpd_scache
smtpd_tls_loglevel = 1
MAIN
  } >"$base/recipient/etc/main.cf"
  master_cf "$port_a" >"$base/sender/etc/master.cf"
  master_cf "$port_b" >"$base/recipient/etc/master.cf"
  for side in sender recipient; do
    mkdir -p "$base/$side/queue" "$base/$side/data"
    chown postfix "$base/$side/data"
    postfix -c "$base/$side/etc" check >/dev/null 2>&1 || postfix -c "$base/$side/etc" check
    postfix -c "$base/$side/etc" start 2>/dev/null
    started+=("$side")
  done
}

master_pid() { local f=$base/$1/queue/pid/master.pid; [ -f "$f" ] && tr -d ' \n' <"$f"; }

# cpu_ticks: the CPU both instances used so far, in clock ticks: each
# master's own and its ended children's (cutime, cstime), and its live
# children's.
cpu_ticks() {
  local total=0 side m p
  for side in sender recipient; do
    m=$(master_pid "$side") || continue
    total=$((total + $(awk '{sub(/.*\) /,""); print $12+$13+$14+$15}' "/proc/$m/stat")))
    for p in $(ps -o pid= --ppid "$m"); do
      [ -r "/proc/$p/stat" ] && total=$((total + $(awk '{sub(/.*\) /,""); print $12+$13}' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
  done
  echo "$total"
}

cleanup() {
  local side m p
  for side in "${started[@]}"; do
    m=$(master_pid "$side" || true)
    postfix -c "$base/$side/etc" stop >/dev/null 2>&1 || true
    if [ -n "$m" ]; then
      for _ in $(seq 50); do kill -0 "$m" 2>/dev/null || break; sleep 0.1; done
      for p in $(ps -o pid= --ppid "$m" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
      kill "$m" 2>/dev/null || true
    fi
  done
  if [ -n "$keep" ]; then echo "postfix bench: kept $base" >&2; else rm -rf "$base"; fi
}

install_postfix
base=$(mktemp -d /tmp/postfix-bench.XXXXXX)
chmod 755 "$base"
started=()
trap cleanup EXIT
port_a=$(free_port) port_b=$(free_port)
setup
newdir=$base/mail/bench/Maildir/new
for _ in $(seq 100); do  # both listening
  (exec 3<>/dev/tcp/127.0.0.1/"$port_a") 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/"$port_b") 2>/dev/null && break
  sleep 0.1
done

cpu0=$(cpu_ticks)
start=$(date +%s.%N)
smtp-source -s "$sessions" -l "$size" -m "$messages" -f from@sender.bench.test -t to@recipient.bench.test \
  "127.0.0.1:$port_a" >/dev/null
injected=$(date +%s.%N)
last=0 idle=0
while :; do
  n=$(find "$newdir" -maxdepth 1 -type f 2>/dev/null | wc -l)
  [ "$n" -ge "$messages" ] && break
  if [ "$n" = "$last" ]; then idle=$((idle + 1)); else idle=0; last=$n; fi
  [ "$idle" -lt 1200 ] || { echo "postfix bench: stuck at $n of $messages delivered" >&2; break; }
  sleep 0.1
done
cpu1=$(cpu_ticks)
# The last delivery's time is its file's, not the look that found it.
end=$(find "$newdir" -maxdepth 1 -type f -printf '%T@\n' | sort -n | tail -1)
awk -v n="$n" -v m="$messages" -v size="$size" -v s="$sessions" -v start="$start" -v inj="$injected" -v end="$end" \
  -v cpu=$((cpu1 - cpu0)) -v reuse="$reuse" -v ver="$(postconf -d -h mail_version)" 'BEGIN {
  e2e = end - start; in_s = inj - start
  printf "{\"tool\":\"postfix\",\"version\":\"%s\",\"messages\":%d,\"delivered\":%d,\"size\":%d,\"sessions\":%d,", ver, m, n, size, s
  printf "\"tls\":\"mutual, ECDSA P-256\",\"connection_reuse\":\"%s\",", reuse
  printf "\"inject_seconds\":%.3f,\"inject_rate\":%.1f,\"end_to_end_seconds\":%.3f,\"end_to_end_rate\":%.1f,\"cpu_seconds\":%.2f}\n",
    in_s, m / in_s, e2e, n / e2e, cpu / 100
}'
