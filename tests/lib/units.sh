# shellcheck shell=bash
# The shipped systemd units (scripts/packaging/*.service), run the way
# systemd runs them, for scenarios (the guest has no systemd). Source after
# tests/vm/lib.sh.
#
#   unit_run UNIT KEYS NS [LOG]   run UNIT's lines whose key is one of KEYS
#                                 (e.g. "ExecStartPre ExecStart"), in file
#                                 order, in namespace NS; an ExecStart= runs
#                                 in the background (its stderr to LOG, its
#                                 pid in UNIT_PID; a oneshot unit's is
#                                 waited for); the first line that fails
#                                 (but for a "-" line) ends it: status 1,
#                                 the reason in /tmp/unit-failed
#
# Each line runs as DynamicUser= makes it: an unprivileged user (65534) with
# only the unit's AmbientCapabilities= (also its bounding set) and no new
# privileges, unless systemd's "+" prefix asks for full privileges; "-" lets
# it fail. The environment holds what systemd gives these units:
# CREDENTIALS_DIRECTORY (/run/credentials/UNIT, for LoadCredential=) and
# MAINPID (UNIT_PID), expanded in the line as systemd expands ${VAR} and
# $VAR. The binaries come from the build instead of /usr/sbin; nothing else
# of a line changes.
UNITS_DIR=$TCPSPLICE_TOP/scripts/packaging
UNIT_TOOLS=/tmp/unit-sbin

# unit_caps UNIT: its AmbientCapabilities= as setpriv's list (+net_admin,...)
unit_caps() {
  sed -n 's/^AmbientCapabilities=//p' "$UNITS_DIR/$1" | tr 'A-Z ' 'a-z\n' | sed -n 's/^cap_/+/p' | paste -sd,
}

unit_run() {
  local unit=$1 keys=" $2 " ns=$3 log=${4:-/dev/null} caps line key cmd full ignore t
  # (a copy, made once: the build's directory may be one an unprivileged
  # user cannot reach)
  if [ ! -x $UNIT_TOOLS/tcpsplicectl ]; then
    mkdir -p $UNIT_TOOLS
    for t in tcpsplicectl tcpsplice-proxy; do cp "$(command -v $t)" $UNIT_TOOLS/ || fail "$t"; done
  fi
  caps=$(unit_caps "$unit")
  [ -n "$caps" ] || fail "no AmbientCapabilities= in $unit"
  grep -qx 'NoNewPrivileges=yes' "$UNITS_DIR/$unit" || fail "$unit: no NoNewPrivileges=yes"
  while IFS= read -r line; do
    key=${line%%=*}
    case $keys in *" $key "*) ;; *) continue ;; esac
    cmd=${line#*=} full=0 ignore=0
    while :; do
      case $cmd in
        -*) ignore=1; cmd=${cmd:1} ;;
        +*) full=1; cmd=${cmd:1} ;;
        *) break ;;
      esac
    done
    cmd=${cmd//\/usr\/sbin\//$UNIT_TOOLS/}
    cmd=${cmd//\$\{CREDENTIALS_DIRECTORY\}//run/credentials/$unit}
    cmd=${cmd//\$MAINPID/${UNIT_PID:-}}
    local run=(ip netns exec "$ns")
    [ $full = 1 ] || run+=(setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs
      --inh-caps=-all,"$caps" --ambient-caps=-all,"$caps" --bounding-set=-all,"$caps")
    # shellcheck disable=SC2086 # the unit's command line, split as systemd does (no quotes there)
    case $key in
      ExecStart)
        if grep -qx 'Type=oneshot' "$UNITS_DIR/$unit"; then
          "${run[@]}" $cmd > /tmp/unit-line.log 2>&1 ||
            { echo "$unit: $line: $(cat /tmp/unit-line.log)" > /tmp/unit-failed; return 1; }
        else
          "${run[@]}" $cmd 2> "$log" &
          UNIT_PID=$!
        fi ;;
      *) "${run[@]}" $cmd > /tmp/unit-line.log 2>&1 || [ $ignore = 1 ] ||
           { echo "$unit: $line: $(cat /tmp/unit-line.log)" > /tmp/unit-failed; return 1; } ;;
    esac
  done < "$UNITS_DIR/$unit"
}
