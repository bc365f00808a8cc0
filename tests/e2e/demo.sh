#!/usr/bin/env bash
# `make demo`: a collector on 127.0.0.1:8080 with the Goshogawara sample
# survey, a kiosk whose simulated respondents answer through the real UI
# (headless without a display), the synced KPI table in the terminal, and
# the report URLs. Ctrl-C stops everything. DEMO_HOLD=0 exits after the table.
set -euo pipefail

build=${1:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
collector="$build/collector/collector"
kiosk="$build/kiosk/kiosk"
listen=${DEMO_LISTEN:-127.0.0.1:8080}
respondents=${DEMO_RESPONDENTS:-184}
data="$top/demo-data"
survey="$top/shared/surveys/goshogawara-staff.json"

for prog in "$collector" "$kiosk"; do
  if [[ ! -x $prog ]]; then
    echo "demo: $prog is not built; run 'make build' and read its errors." >&2
    exit 1
  fi
done
if (exec 3<>"/dev/tcp/${listen%:*}/${listen##*:}") 2>/dev/null; then
  echo "demo: something already listens on $listen; stop it (or set DEMO_LISTEN=127.0.0.1:PORT) and run again." >&2
  exit 1
fi

rm -rf "$data"
mkdir -p "$data"
chmod 700 "$data"
db="$data/collector.db"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

this_fy=$(date -u +%Y)
(( 10#$(date -u +%m) < 4 )) && this_fy=$((this_fy - 1))

step "Collector database: publish the sample survey, add a kiosk and an admin token"
# The demo simulates last fiscal year too, so the survey is published as if
# in February of last fiscal year (the test-only --date sets the collector's
# clock); responses dated outside a survey's months are refused.
"$collector" survey publish "$survey" --db "$db" --date "$this_fy-02-01"
kiosk_token=$("$collector" kiosk add demo-breakroom-1 --db "$db")
admin_token=$("$collector" admin-token --db "$db")

collector_pid=
kiosk_pid=
cleanup() {
  trap - INT TERM EXIT
  [[ -n $kiosk_pid ]] && kill "$kiosk_pid" 2>/dev/null && wait "$kiosk_pid" 2>/dev/null
  if [[ -n $collector_pid ]]; then
    kill -TERM "$collector_pid" 2>/dev/null && wait "$collector_pid" 2>/dev/null
    echo "demo: collector stopped; the data stays in $data"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "Starting the collector on http://$listen (log: demo-data/collector.log)"
"$collector" serve --db "$db" --listen "$listen" 2>"$data/collector.log" &
collector_pid=$!
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/${listen%:*}/${listen##*:}") 2>/dev/null; then break; fi
  if ! kill -0 "$collector_pid" 2>/dev/null; then
    echo "demo: the collector did not start:" >&2
    cat "$data/collector.log" >&2
    exit 1
  fi
  sleep 0.1
done

cat >"$data/kiosk.conf" <<CONF
# Demo kiosk: the token is here, never on the command line.
collector_url = http://$listen
token = $kiosk_token
db = $data/kiosk.db
name = demo-breakroom-1
maintenance_pin = 2468
min_batch = 5
idle_timeout_s = 60
sync_interval_s = 1
CONF
chmod 600 "$data/kiosk.conf"

# Runs the kiosk; on failure shows what it said and stops the demo.
run_kiosk() {
  if ! "$kiosk" --config "$data/kiosk.conf" "$@" 2>>"$data/kiosk.log"; then
    echo "demo: the kiosk failed; the end of its log (demo-data/kiosk.log):" >&2
    tail -n 5 "$data/kiosk.log" >&2
    exit 1
  fi
}

step "Last fiscal year: 150 simulated respondents answer through the kiosk UI (headless)"
run_kiosk --headless --simulate 150 --seed 1 --date "$this_fy-02-10" --drain 60
step "Last fiscal year's results are released (figures appear only in a release)"
"$collector" release --survey goshogawara-staff --fiscal-year "$((this_fy - 1))" --db "$db"
step "This fiscal year: $respondents simulated respondents"
run_kiosk --headless --simulate "$respondents" --seed 2 --drain 60
echo "All sealed batches were delivered to the collector."

step "Closing collection of the survey: this releases this fiscal year's results"
"$collector" survey close goshogawara-staff --db "$db"

step "The HR department records this fiscal year's headcount, for response rates"
"$collector" headcount set --fiscal-year "$this_fy" --total 240 \
  --group employment=regular:130,kaikei:110 --db "$db"

step "KPI summary, fiscal year $this_fy"
"$collector" report --db "$db" --fiscal-year "$this_fy" --format text

base="http://$listen"
cat <<MSG

Reports (open in a browser; user name: anything, password: the admin token):
  Index       $base/
  HTML report $base/reports/$this_fy.html      (by employment: $base/reports/$this_fy.html?group_by=employment)
  Excel       $base/reports/$this_fy.xlsx
  CSV (Excel) $base/reports/$this_fy.csv      (older Excel: $base/reports/$this_fy.csv?encoding=cp932)
  KPI JSON    $base/api/v1/kpi?fiscal_year=$this_fy
Admin token: $admin_token
From a terminal:
  curl -H "Authorization: Bearer $admin_token" $base/reports/$this_fy.csv -o kpi-$this_fy.csv
MSG

if [[ -n ${DISPLAY:-}${WAYLAND_DISPLAY:-} ]]; then
  step "A kiosk window opens: it shows the survey as closed (maintenance: long-press the top-left corner, PIN 2468)"
  "$kiosk" --config "$data/kiosk.conf" 2>>"$data/kiosk.log" &
  kiosk_pid=$!
fi
if [[ ${DEMO_HOLD:-1} == 0 ]]; then
  exit 0
fi
echo
echo "The collector keeps running for you; press Ctrl-C to stop everything."
wait "$collector_pid"
