# shellcheck shell=bash
# What the scripts of scripts/testenv/ share: each sources it, right after
# `set -euo pipefail` and setting NAME (its file name, which prefixes its log
# lines), with
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# The functions read, when called, two more variables that the script sets:
# STATE, its state file (KEY=VALUE lines, e.g. dir= and pid=), and
# FIRST_PORT, the first port its server tries. Sourcing it also sets the
# EXIT trap that removes a server left half set up (see cleanup).
#
# Everything here writes to stderr only: a script's stdout is its answer (a
# URL or a path), which callers capture.

: "${NAME:?set NAME before sourcing lib.sh}"

# log writes its arguments to stderr as one line, prefixed with the
# script's name so that a caller's output shows who said it; die also exits 1.
log() { printf '%s: %s\n' "$NAME" "$*" >&2; }
die() { log "$*"; exit 1; }

# check_port dies unless FIRST_PORT is a port number; $1 names the variable
# it came from, for the message.
check_port() {
  case $FIRST_PORT in
    '' | *[!0-9]*) die "$1 must be a port number, not '$FIRST_PORT'" ;;
  esac
}

# apt_install installs the Debian packages $@. apt's package lists are
# refreshed only if the first attempt fails (e.g. cannot find them): on a
# machine whose lists are fresh enough that saves a slow download.
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q "$@" >&2; then
    apt-get update -q >&2
    apt-get install -y -q "$@" >&2
  fi
}

# state_get prints the value of KEY in the state file, if any.
state_get() {
  if [ -f "$STATE" ]; then sed -n "s/^$1=//p" "$STATE"; fi
}

# alive reports whether process $1 exists and is not a zombie waiting for
# init to reap it (which can take a second). With $2, its command line must
# also mention $2, so that a recycled pid is never taken for ours.
alive() {
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
  case $(cat "/proc/$1/stat" 2>/dev/null) in *") Z "*) return 1 ;; esac
  [ -z "${2:-}" ] || tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# port_free reports whether nothing accepts connections on 127.0.0.1:$1.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port prints the first free port from $1 on.
free_port() {
  local port=$1
  for _ in $(seq 200); do
    if port_free "$port"; then echo "$port"; return 0; fi
    port=$((port + 1))
  done
  die "no free port from $1 to $port"
}

# build_needed reports whether the binary $1 is still to be built into
# CACHE (the script's cache directory). If it is, go is installed and this
# run holds the lock $CACHE/build.lock on fd 9, which the caller closes
# (exec 9>&-) once the binary is in place: another run may be building it,
# and two must not build it at once; one that waited for the lock finds the
# binary there and builds nothing.
build_needed() {
  [ -x "$1" ] && return 1
  command -v go >/dev/null || die "go is not installed"
  { mkdir -p "$CACHE" && exec 9>"$CACHE/build.lock" && flock 9; } || die "cannot lock $CACHE/build.lock"
  if [ -x "$1" ]; then exec 9>&-; return 1; fi
}

# await_ready waits until the command "${@:4}" (the script's readiness
# check) succeeds, trying $2 times $3 s apart, and then prints the pid $1 of
# the server just launched. It fails at once if the server exits, and kills
# it if it is still not ready at the end: a caller that retries on another
# port must not leave it behind.
await_ready() {
  local pid=$1 tries=$2 pause=$3
  shift 3
  for _ in $(seq "$tries"); do
    if "$@"; then echo "$pid"; return 0; fi
    alive "$pid" || return 1
    sleep "$pause"
  done
  kill -9 "$pid" 2>/dev/null || true
  return 1
}

# launch_retry starts the server in directory $5 on the first free port from
# FIRST_PORT: it runs `$3 DIR PORT` (the script's configuration for PORT; `:`
# for none), then `$4 DIR PORT ARGS...` with the rest of its arguments (the
# script's launch, which prints the server's pid, if it records one, once the
# server is ready). Another process may take the port between the check and
# the bind, so it tries three times, each on the next free port, showing the
# end of the log file $1 after a failure; if all fail it dies with "$2 did
# not start". It sets PORT and PID, and CLEANUP_PID so that the EXIT trap
# stops the server should the rest of start fail.
launch_retry() {
  local log=$1 what=$2 configure=$3 launch=$4 dir=$5
  shift 5
  PORT=$(free_port "$FIRST_PORT")
  for _ in 1 2 3; do
    "$configure" "$dir" "$PORT"
    if PID=$("$launch" "$dir" "$PORT" "$@"); then
      CLEANUP_PID=$PID
      return 0
    fi
    tail -n 5 "$log" >&2 || true
    PORT=$(free_port $((PORT + 1)))
  done
  die "$what did not start; see above"
}

# halt stops the server of the state file (its pid=), if it runs, and waits
# until it is gone, so that its port and files are free. A throwaway server
# keeps nothing worth a graceful shutdown (which only takes longer: Dex's
# takes 1.5 s), so it is killed. With $1 "group" its whole process group is
# killed, e.g. sshd with the sessions it still serves (setsid made the
# server the group's leader).
halt() {
  local pid
  pid=$(state_get pid)
  alive "$pid" || return 0
  if [ "${1:-}" = group ]; then
    kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null || true
  else
    kill -9 "$pid" 2>/dev/null || true
  fi
  for _ in $(seq 100); do
    alive "$pid" || return 0
    sleep 0.05
  done
}

# stop_server stops the server of the state file (halt, given $2 if any),
# removes its directory if its name matches the pattern $1 (one that this
# script made, never a path a stale state file happens to name), and removes
# the state file. With no state file it does nothing.
stop_server() {
  [ -f "$STATE" ] || return 0
  local dir
  dir=$(state_get dir)
  halt "${@:2}"
  # shellcheck disable=SC2254 # $1 is a pattern
  case "$dir" in
    $1) rm -rf "$dir" ;;
  esac
  rm -f "$STATE"
}

# CLEANUP is the directory of a server being set up, and CLEANUP_PID its
# process once launched; if start fails, the EXIT trap kills that process
# and removes the directory. A script whose server is not one such process
# defines halt_dir, which the trap then calls with the directory first, to
# stop what runs there.
CLEANUP=
CLEANUP_PID=
cleanup() {
  if alive "$CLEANUP_PID"; then kill -9 "$CLEANUP_PID" 2>/dev/null || true; fi
  if [ -n "$CLEANUP" ]; then
    if declare -F halt_dir >/dev/null; then halt_dir "$CLEANUP"; fi
    rm -rf "$CLEANUP"
  fi
}
trap cleanup EXIT
