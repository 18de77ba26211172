# Sourced by bench/feeds/run.sh and large.sh: run the daemon on "$config"
# under /usr/bin/time until told to stop. LEDE_BENCH_BIN runs another
# build (default target/release/lede), LEDE_BENCH_WRAP a wrapper around it.
lede="${LEDE_BENCH_BIN:-target/release/lede}"

# lede_start TIME LOG: start `lede run -c $config` in the background; its
# CPU times and peak memory go to TIME, its log to LOG.
lede_start() {
  ${LEDE_BENCH_WRAP:-} /usr/bin/time -f "%U %S %M" -o "$1" "$lede" run -c "$config" 2>"$2" &
  lede_pid=$!
}

# lede_stop TIME: stop it (SIGTERM, as an operator would) and read TIME
# into user, sys (CPU seconds) and rss (peak KB).
lede_stop() {
  pkill -TERM -f "^$lede run -c $config" || true
  wait "$lede_pid" || true
  read -r user sys rss < "$1"
}
