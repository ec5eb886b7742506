#!/usr/bin/env bash
# Starts and stops a throwaway git server over HTTP with basic auth, for
# Tether's tests of git connections over HTTPS (a token as the password).
#
#   scripts/testenv/githttp.sh start   # prints the path of its fixtures file
#   scripts/testenv/githttp.sh stop    # stops it and removes its files
#
# It installs lighttpd and git when missing and runs Debian's
# git-http-backend as a CGI program of its own lighttpd, with its own
# configuration, never the system's: 127.0.0.1 only (on
# $TETHER_GITHTTP_PORT, default 8480, or the next free port), every URL
# under /git/ behind basic auth for one user, whose password is made
# random on every run (an apr1 hash in its htpasswd file). Its bare
# repository has one commit: a README whose content the fixtures give.
# They are fixtures, not secrets; the tests read them from the JSON file
# `start` prints:
#   {"url": "http://127.0.0.1:PORT/git/repo.git", "user", "password", "readme"}
# Its directory, port and process id are kept in a state file,
# $TETHER_GITHTTP_STATE (default ${TMPDIR:-/tmp}/tether-githttp.state), so
# that `stop` finds it. Both subcommands are idempotent: `start` with a
# server already running prints its fixtures file again; `stop` with none
# does nothing.
set -euo pipefail
NAME=githttp.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LIGHTTPD=/usr/sbin/lighttpd
BACKEND=/usr/lib/git-core/git-http-backend
FIRST_PORT=${TETHER_GITHTTP_PORT:-8480}
STATE=${TETHER_GITHTTP_STATE:-${TMPDIR:-/tmp}/tether-githttp.state}
GIT_USER=tether
README_TEXT='Tether test repository, cloned over HTTP.'

# install installs lighttpd and git when missing. Debian's lighttpd
# package may start its own service: this script never uses it.
install() {
  [ -x "$LIGHTTPD" ] && [ -x "$BACKEND" ] && command -v openssl >/dev/null && return 0
  log "installing lighttpd, git and openssl"
  apt_install lighttpd git openssl
  [ -x "$LIGHTTPD" ] && [ -x "$BACKEND" ] || die "lighttpd or git-http-backend is missing"
}

# ready reports whether an HTTP server answers on port $1.
ready() {
  local line
  [ -n "$1" ] || return 1
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET / HTTP/1.0\r\n\r\n' >&3
    read -r -t 2 line <&3
    case $line in HTTP/1.*) exit 0 ;; *) exit 1 ;; esac
  ) 2>/dev/null
}

# make_repo makes the bare repository $1/repos/repo.git with one commit on
# main: a README. git-http-backend serves it (http.receivepack is off: it
# is read-only).
make_repo() {
  local dir=$1
  mkdir -p "$dir/repos" "$dir/www"
  (
    git init -q -b main "$dir/work"
    printf '%s\n' "$README_TEXT" >"$dir/work/README"
    git -C "$dir/work" add README
    git -C "$dir/work" -c user.name=Tether -c user.email=tether@example.invalid \
      commit -q -m "Add README"
    git clone -q --bare "$dir/work" "$dir/repos/repo.git"
  ) >"$dir/git.log" 2>&1 || { cat "$dir/git.log" >&2; die "making the git repository failed"; }
  rm -rf "$dir/work"
}

# make_password makes the user's random password ($1/password) and its
# htpasswd file.
make_password() {
  local dir=$1 password
  password=$(openssl rand -hex 16)
  printf '%s' "$password" >"$dir/password"
  printf '%s:%s\n' "$GIT_USER" "$(openssl passwd -apr1 "$password")" >"$dir/htpasswd"
  chmod 600 "$dir/password" "$dir/htpasswd"
}

# write_config writes lighttpd's configuration for port $2, and the
# fixtures file, into directory $1.
write_config() {
  local dir=$1 port=$2
  cat >"$dir/lighttpd.conf" <<CONF
server.modules = ("mod_alias", "mod_auth", "mod_authn_file", "mod_setenv", "mod_cgi")
server.bind = "127.0.0.1"
server.port = $port
server.document-root = "$dir/www"
server.errorlog = "$dir/error.log"
alias.url = ("/git/" => "$BACKEND/")
\$HTTP["url"] =~ "^/git/" {
  cgi.assign = ("" => "")
  setenv.add-environment = ("GIT_PROJECT_ROOT" => "$dir/repos", "GIT_HTTP_EXPORT_ALL" => "")
}
auth.backend = "htpasswd"
auth.backend.htpasswd.userfile = "$dir/htpasswd"
auth.require = ("/git/" => ("method" => "basic", "realm" => "tether-git", "require" => "valid-user"))
CONF
  cat >"$dir/fixtures.json" <<JSON
{
  "url": "http://127.0.0.1:$port/git/repo.git",
  "user": "$GIT_USER",
  "password": "$(cat "$dir/password")",
  "readme": "$README_TEXT\n"
}
JSON
}

# launch starts lighttpd configured in $1 on port $2 and prints its
# process id once it answers.
launch() {
  local dir=$1 port=$2
  "$LIGHTTPD" -t -f "$dir/lighttpd.conf" >>"$dir/lighttpd.log" 2>&1 || return 1
  setsid "$LIGHTTPD" -D -f "$dir/lighttpd.conf" >>"$dir/lighttpd.log" 2>&1 </dev/null &
  await_ready $! 100 0.1 ready "$port"
}

start() {
  check_port TETHER_GITHTTP_PORT
  install
  if alive "$(state_get pid)" lighttpd && ready "$(state_get port)"; then
    echo "$(state_get dir)/fixtures.json"
    return 0
  fi
  stop # a stale state file: its server is gone
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/tether-githttp-XXXXXX")
  CLEANUP=$dir
  make_repo "$dir"
  make_password "$dir"
  launch_retry "$dir/lighttpd.log" lighttpd write_config launch "$dir"
  printf 'dir=%s\nport=%s\npid=%s\n' "$dir" "$PORT" "$PID" >"$STATE"
  CLEANUP='' CLEANUP_PID=''
  echo "$dir/fixtures.json"
}

# stop stops the server, if any, with the CGI programs it may still run
# (its process group), and removes its files and the state file.
stop() { stop_server '*/tether-githttp-*' group; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 start|stop" ;;
esac
