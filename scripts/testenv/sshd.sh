#!/usr/bin/env bash
# Starts and stops a throwaway SSH server holding a git repository, for
# Tether's tests of git connections.
#
#   scripts/testenv/sshd.sh start   # prints the path of its fixtures file
#   scripts/testenv/sshd.sh stop    # stops it and removes its files
#
# Runs as root (as CI does): it installs openssh-server and git when
# missing, creates the system user `tethergit` (whose login shell is
# git-shell: it can run git and nothing else) when missing, and runs its own
# sshd with its own configuration, never the system's: 127.0.0.1 only (on
# $TETHER_SSHD_PORT, default 2222, or the next free port), keys only, for
# tethergit only. Every run makes a new host key, a new client key pair
# (the only one in its authorized_keys), the public half of a second,
# unrelated host key (a wrong pin, to prove that ssh refuses it), and a bare
# repository with one commit: a README whose content the fixtures give.
# They are fixtures, not secrets; the tests read them from the JSON file
# `start` prints:
#   {"host": "127.0.0.1", "port", "user": "tethergit",
#    "repoURL": "ssh://tethergit@127.0.0.1:PORT/abs/path/repo.git",
#    "privateKeyFile", "hostPublicKey": "ssh-ed25519 AAAA...",
#    "otherHostPublicKey": "ssh-ed25519 AAAA...", "readme"}
# Its directory, port and process id are kept in a state file,
# $TETHER_SSHD_STATE (default ${TMPDIR:-/tmp}/tether-sshd.state), so that
# `stop` finds it. Both subcommands are idempotent: `start` with a server
# already running prints its fixtures file again; `stop` with none does
# nothing. Two callers that must not share a server use two state files.
# `stop` leaves the tethergit user in place.
set -euo pipefail
NAME=sshd.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SSHD_BIN=/usr/sbin/sshd
GIT_USER=tethergit
FIRST_PORT=${TETHER_SSHD_PORT:-2222}
STATE=${TETHER_SSHD_STATE:-${TMPDIR:-/tmp}/tether-sshd.state}
README_TEXT='Tether test repository, cloned over SSH.'

# install installs sshd and git when missing.
install() {
  [ -x "$SSHD_BIN" ] && command -v ssh-keygen git git-shell >/dev/null && return 0
  log "installing openssh-server and git"
  apt_install openssh-server git
  [ -x "$SSHD_BIN" ] || die "openssh-server installed no $SSHD_BIN"
  command -v ssh-keygen git git-shell >/dev/null || die "ssh-keygen, git or git-shell is missing"
}

# make_user creates the git account when missing, and unlocks it: useradd
# leaves the password field "!" (locked), and sshd refuses a locked account
# even a key login. "*" allows no password but is not "locked".
make_user() {
  if ! id "$GIT_USER" >/dev/null 2>&1; then
    useradd --system --create-home --shell "$(command -v git-shell)" "$GIT_USER"
  fi
  usermod -p '*' "$GIT_USER"
}

# ready reports whether an SSH server answers on port $1 with its banner.
ready() {
  local line
  [ -n "$1" ] || return 1
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    read -r -t 2 line <&3
    case $line in SSH-2.0-*) exit 0 ;; *) exit 1 ;; esac
  ) 2>/dev/null
}

# make_dir creates the server's directory, which the git user must be able
# to enter (sshd reads authorized_keys as that user, and git-upload-pack
# runs as it). If it cannot reach $TMPDIR (e.g. under /root), /tmp is used
# instead. The private keys in it stay readable by root only.
make_dir() {
  local dir
  for parent in "${TMPDIR:-/tmp}" /tmp; do
    dir=$(mktemp -d "$parent/tether-sshd-XXXXXX") || continue
    chmod 755 "$dir"
    if runuser -u "$GIT_USER" -- test -x "$dir"; then echo "$dir"; return 0; fi
    rm -rf "$dir"
  done
  die "the $GIT_USER user cannot enter a temporary directory"
}

# make_keys makes the run's host key, client key pair, authorized_keys
# (the client key, restricted to running commands) and the public half of
# an unrelated host key, in directory $1.
make_keys() {
  local dir=$1
  ssh-keygen -q -t ed25519 -N '' -C tether-test-host -f "$dir/host_key"
  ssh-keygen -q -t ed25519 -N '' -C tether-test-client -f "$dir/client_key"
  ssh-keygen -q -t ed25519 -N '' -C tether-test-other-host -f "$dir/other_host_key"
  rm -f "$dir/other_host_key"
  printf 'restrict %s\n' "$(cat "$dir/client_key.pub")" >"$dir/authorized_keys"
  chmod 644 "$dir/authorized_keys"
}

# make_repo makes the bare repository $1/repo.git, owned by the git user,
# with one commit on main: a README.
make_repo() {
  local dir=$1
  (
    git init -q -b main "$dir/work"
    printf '%s\n' "$README_TEXT" >"$dir/work/README"
    git -C "$dir/work" add README
    git -C "$dir/work" -c user.name=Tether -c user.email=tether@example.invalid \
      commit -q -m "Add README"
    git clone -q --bare "$dir/work" "$dir/repo.git"
  ) >"$dir/git.log" 2>&1 || { cat "$dir/git.log" >&2; die "making the git repository failed"; }
  rm -rf "$dir/work"
  chown -R "$GIT_USER:" "$dir/repo.git"
}

# write_config writes sshd's configuration for port $2, and the fixtures
# file, into directory $1.
write_config() {
  local dir=$1 port=$2
  cat >"$dir/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $port
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
AllowUsers $GIT_USER
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
StrictModes no
UsePAM no
AllowTcpForwarding no
AllowAgentForwarding no
X11Forwarding no
PermitTTY no
PrintMotd no
LogLevel VERBOSE
EOF
  cat >"$dir/fixtures.json" <<EOF
{
  "host": "127.0.0.1",
  "port": $port,
  "user": "$GIT_USER",
  "repoURL": "ssh://$GIT_USER@127.0.0.1:$port$dir/repo.git",
  "privateKeyFile": "$dir/client_key",
  "hostPublicKey": "$(cut -d' ' -f1,2 "$dir/host_key.pub")",
  "otherHostPublicKey": "$(cut -d' ' -f1,2 "$dir/other_host_key.pub")",
  "readme": "$README_TEXT\n"
}
EOF
}

# launch starts sshd configured in $1 on port $2 and prints its process id
# once it answers. sshd must be started by its absolute path (it re-executes
# itself for every connection).
launch() {
  local dir=$1 port=$2
  "$SSHD_BIN" -t -f "$dir/sshd_config" >>"$dir/sshd.log" 2>&1 || return 1
  setsid "$SSHD_BIN" -D -e -f "$dir/sshd_config" >>"$dir/sshd.log" 2>&1 </dev/null &
  await_ready $! 100 0.1 ready "$port"
}

start() {
  check_port TETHER_SSHD_PORT
  [ "$(id -u)" -eq 0 ] || die "must run as root: it creates the $GIT_USER user and runs sshd for it"
  install
  make_user
  if alive "$(state_get pid)" && ready "$(state_get port)"; then
    echo "$(state_get dir)/fixtures.json"
    return 0
  fi
  stop # a stale state file: its server is gone
  # sshd's privilege separation needs this directory; without systemd
  # nothing creates it.
  mkdir -p /run/sshd
  chmod 755 /run/sshd
  local dir
  dir=$(make_dir)
  CLEANUP=$dir
  make_keys "$dir"
  make_repo "$dir"
  launch_retry "$dir/sshd.log" sshd write_config launch "$dir"
  printf 'dir=%s\nport=%s\npid=%s\n' "$dir" "$PORT" "$PID" >"$STATE"
  CLEANUP='' CLEANUP_PID=''
  echo "$dir/fixtures.json"
}

# stop stops the server, if any, with the sessions it may still serve (its
# process group), and removes its files and the state file.
stop() { stop_server '*/tether-sshd-*' group; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 start|stop" ;;
esac
