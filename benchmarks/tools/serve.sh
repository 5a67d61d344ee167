# Shared by the load benchmarks (soak.sh, neighbour.sh, search_http.sh,
# search_concurrency.sh), sourced after `root`, `bin` and `work` are set: a
# folder of files served over HTTP, one `clickprint serve` on a fresh data
# directory, tenants with keys, libraries added by CSV job. Every process
# started is killed on exit.

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work" 2>/dev/null || { sleep 2; rm -rf "$work"; }
}
trap cleanup EXIT

# serve_files: $work/files over HTTP on a free loopback port, at $files_url.
serve_files() {
    (cd "$work/files" && exec python3 -m http.server 0 --bind 127.0.0.1 > "$work/http.log" 2>&1) &
    pids+=($!)
    for _ in $(seq 100); do grep -q "Serving HTTP" "$work/http.log" 2>/dev/null && break; sleep 0.1; done
    files_url="http://127.0.0.1:$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/http.log" | head -1)"
}

# serve_pictures N: N distinct pictures (successive generations of Game of
# Life boards) as $work/files/p0001.jpg..., served at $files_url.
serve_pictures() {
    mkdir -p "$work/files"
    ffmpeg -v error -nostdin -f lavfi -i "life=s=160x120:seed=7:ratio=0.3:rate=25,scale=320:240,boxblur=2" \
        -frames:v "$1" "$work/files/p%04d.jpg"
    serve_files
}

# start_service: `clickprint serve` with 2 workers, downloads from the
# loopback server allowed; sets $service (its pid), $url and $token.
start_service() {
    CLICKPRINT_WORKERS=2 CLICKPRINT_FETCH_ALLOW_PRIVATE=true \
        "$bin" --data-dir "$work/data" serve --listen 127.0.0.1:0 > "$work/serve.out" 2> "$work/serve.err" &
    service=$!
    pids+=($service)
    for _ in $(seq 600); do grep -q "^clickprint listening on" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
    url="$(sed -n 's/clickprint listening on //p' "$work/serve.out")"
    token="$(cat "$work/data/admin.token")"
}

# tenant_key NAME [FIELDS]: creates the tenant (FIELDS: more JSON fields of
# the request, e.g. ,"requests_per_minute":600), prints a new API key of it.
tenant_key() {
    local id
    id="$(curl -sf -XPOST "$url/v1/admin/tenants" -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "{\"name\":\"$1\"${2:-}}" | python3 -c 'import json,sys;print(json.load(sys.stdin)["id"])')"
    curl -sf -XPOST "$url/v1/admin/tenants/$id/keys" -H "Authorization: Bearer $token" | python3 -c 'import json,sys;print(json.load(sys.stdin)["key"])'
}

# add_pictures KEY FIRST COUNT: a CSV job of pictures FIRST.. for the tenant.
add_pictures() {
    { echo "url,external_id"; for i in $(seq "$2" $(($2 + $3 - 1))); do printf '%s/p%04d.jpg,p%04d\n' "$files_url" "$i" "$i"; done; } \
        | curl -sf -XPOST "$url/v1/jobs" -H "Authorization: Bearer $1" -H 'content-type: text/csv' --data-binary @- > /dev/null
}

# wait_settled KEY: until nothing of the tenant is pending or processing.
wait_settled() {
    until curl -sf "$url/v1/stats" -H "Authorization: Bearer $1" \
        | python3 -c 'import json,sys;s=json.load(sys.stdin)["by_status"];sys.exit(0 if s.get("pending",0)+s.get("processing",0)==0 else 1)'; do
        sleep 1
    done
}
