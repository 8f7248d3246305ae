#!/usr/bin/env bash
# Proves the Dockerfile for real, without a Docker engine or a registry:
#   1. installs buildah and debootstrap with apt-get when missing;
#   2. builds a Debian bookworm base image with debootstrap (minbase + python3, python3-venv,
#      ca-certificates), cached in $FACTCHECK_BASE_DIR and in buildah's storage, so a second run is fast;
#   3. builds the image with `buildah bud --isolation chroot` from a clean context (git's tracked and
#      untracked-not-ignored files) with the CPU torch wheel in wheels/;
#   4. checks that the image's CMD refuses to start without API keys, then starts it with
#      `buildah run --isolation chroot` on a free loopback port with a fresh data dir and a mounted key file,
#      waits for /readyz, checks /healthz, POST /v1/check (seeds ingested on first start), that a DELETE
#      without a key is refused, and that the service runs as the image's non-root user;
#   5. cleans up (service, working container, image unless KEEP_IMAGE=1) and prints timings, then PASS/FAIL.
# Needs root (buildah storage, debootstrap). Usage: sudo bash scripts/container_test.sh
# Environment: KEEP_IMAGE=1 keeps the built image (tag in $IMAGE_TAG); FACTCHECK_BASE_DIR (default
# /var/tmp/factcheck-base); TORCH_WHEEL; DEBIAN_MIRROR; READY_TIMEOUT (seconds, default 600);
# REBUILD_BASE=1 rebuilds the cached base; HOST_CA_BUNDLE (default $PIP_CERT or the system bundle) is
# given to pip in the build.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BASE_DIR=${FACTCHECK_BASE_DIR:-/var/tmp/factcheck-base}
SUITE=bookworm
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
BASE_PACKAGES=python3,python3-venv,ca-certificates
TORCH_WHEEL=${TORCH_WHEEL:-/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl}
KEEP_IMAGE=${KEEP_IMAGE:-0}
HOST_CA_BUNDLE=${HOST_CA_BUNDLE:-${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}}
READY_TIMEOUT=${READY_TIMEOUT:-600}
STATEMENT='Iran sent drones to Russia before the invasion'
RUN_ID="fc-ct-$$-$(date +%s)"
IMAGE_TAG=${IMAGE_TAG:-localhost/factcheck:container-test}
NICE=(nice -n 10)
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
export BUILDAH_ISOLATION=chroot

WORK=""          # temp dir: build context, data dir, logs
CTR=""           # working container of the built image
SERVICE_PID=""   # background `buildah run`
IMAGE_BUILT=0
STAGES=()
RESULT=FAIL
T_ALL=$(date +%s)

log() { printf '[container-test %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { log "ERROR: $*"; exit 1; }

STAGE_NAME="" STAGE_T0=0
stage() {  # stage NAME: ends the current stage (prints its time) and starts the next
  stage_end
  STAGE_NAME=$1 STAGE_T0=$(date +%s)
  log "=== $STAGE_NAME"
}
stage_end() {
  if [ -n "$STAGE_NAME" ]; then
    local s=$(( $(date +%s) - STAGE_T0 ))
    STAGES+=("$(printf '%-12s %5ss' "$STAGE_NAME" "$s")")
    log "--- $STAGE_NAME done in ${s}s"
    STAGE_NAME=""
  fi
}

# PIDs of the service's processes (gunicorn master and workers): they carry our marker variable.
service_pids() {
  local p
  for p in /proc/[0-9]*; do
    grep -qsxzF "FACTCHECK_CONTAINER_TEST=$RUN_ID" "$p/environ" 2>/dev/null && echo "${p#/proc/}"
  done
  return 0
}

stop_service() {
  local pids i
  pids=$(service_pids || true)
  if [ -n "$pids" ]; then
    log "stopping service processes: $(echo $pids)"
    kill -TERM $pids 2>/dev/null || true
    for i in $(seq 1 30); do
      pids=$(service_pids || true)
      [ -z "$pids" ] && break
      sleep 1
    done
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
  fi
  if [ -n "$SERVICE_PID" ] && kill -0 "$SERVICE_PID" 2>/dev/null; then
    kill -TERM "$SERVICE_PID" 2>/dev/null || true
    for i in $(seq 1 10); do kill -0 "$SERVICE_PID" 2>/dev/null || break; sleep 1; done
    kill -KILL "$SERVICE_PID" 2>/dev/null || true
  fi
  [ -n "$SERVICE_PID" ] && wait "$SERVICE_PID" 2>/dev/null || true
  SERVICE_PID=""
}

# Unmounts whatever is mounted under a directory (debootstrap mounts proc/sys in its target).
umount_under() {
  local dir=$1 m
  for m in $(awk -v d="$dir" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
}

cleanup() {
  local rc=$? failed=$STAGE_NAME t_clean
  set +e
  trap - EXIT INT TERM
  stage_end
  t_clean=$(date +%s)
  [ "$rc" -ne 0 ] && [ -n "$WORK" ] && [ -s "$WORK/service.log" ] && {
    log "last lines of the service log:"; tail -n 40 "$WORK/service.log"; }
  log "=== cleanup"
  stop_service
  [ -n "$CTR" ] && buildah rm "$CTR" >/dev/null 2>&1 && log "removed working container $CTR"
  if [ "$IMAGE_BUILT" = 1 ]; then
    if [ "$KEEP_IMAGE" = 1 ]; then
      log "keeping image $IMAGE_TAG (KEEP_IMAGE=1)"
    else
      buildah rmi "$IMAGE_TAG" >/dev/null 2>&1 && log "removed image $IMAGE_TAG"
    fi
  fi
  [ -d "$BASE_DIR/rootfs.tmp" ] && { umount_under "$BASE_DIR/rootfs.tmp"; rm -rf --one-file-system "$BASE_DIR/rootfs.tmp"; }
  [ -n "$WORK" ] && rm -rf --one-file-system "$WORK"
  STAGES+=("$(printf '%-12s %5ss' cleanup "$(( $(date +%s) - t_clean ))")")
  log "stage timings:"
  local s; for s in "${STAGES[@]}"; do echo "    $s"; done
  echo "    $(printf '%-12s %5ss' total "$(( $(date +%s) - T_ALL ))")"
  if [ "$rc" -eq 0 ] && [ "$RESULT" = PASS ]; then
    echo "container-test: PASS (image built from Dockerfile, service answered /readyz and /v1/check as a non-root user)"
  else
    echo "container-test: FAIL (exit $rc${failed:+, in stage $failed})"
    [ "$rc" -eq 0 ] && rc=1
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "run as root (buildah storage and debootstrap need it)"

# ---------------------------------------------------------------- 1. tools
stage tools
need=()
command -v buildah >/dev/null || need+=(buildah)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v curl >/dev/null || need+=(curl)
command -v git >/dev/null || need+=(git)
command -v python3 >/dev/null || need+=(python3)
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || need+=(debian-archive-keyring)
if [ ${#need[@]} -gt 0 ]; then
  log "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${NICE[@]}" apt-get update -qq
  "${NICE[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
log "$(buildah --version); debootstrap $(dpkg-query -W -f='${Version}' debootstrap 2>/dev/null || echo '?')"
[ -f "$TORCH_WHEEL" ] || die "CPU torch wheel not found: $TORCH_WHEEL (set TORCH_WHEEL)"
WORK=$(mktemp -d /var/tmp/factcheck-container-test.XXXXXX)

# ---------------------------------------------------------------- 2. base image
stage base
base_key=$(printf '%s\n' "$SUITE" minbase "$BASE_PACKAGES" "$DEBIAN_MIRROR" v1 | sha256sum | cut -c1-12)
BASE_IMAGE="localhost/factcheck-base:$SUITE-$base_key"
mkdir -p "$BASE_DIR"
if [ "${REBUILD_BASE:-0}" = 1 ]; then
  rm -rf --one-file-system "$BASE_DIR/rootfs.tar" "$BASE_DIR/key"
  buildah rmi "$BASE_IMAGE" >/dev/null 2>&1 || true
fi
if [ -f "$BASE_DIR/rootfs.tar" ] && [ "$(cat "$BASE_DIR/key" 2>/dev/null)" = "$base_key" ]; then
  log "cached rootfs: $BASE_DIR/rootfs.tar ($(du -h "$BASE_DIR/rootfs.tar" | cut -f1))"
else
  log "debootstrap --variant=minbase --include=$BASE_PACKAGES $SUITE ($DEBIAN_MIRROR)"
  tmp="$BASE_DIR/rootfs.tmp"
  umount_under "$tmp"; rm -rf --one-file-system "$tmp"
  "${NICE[@]}" debootstrap --variant=minbase --include="$BASE_PACKAGES" "$SUITE" "$tmp" "$DEBIAN_MIRROR" \
    > "$WORK/debootstrap.log" 2>&1 || { tail -n 30 "$WORK/debootstrap.log"; die "debootstrap failed"; }
  umount_under "$tmp"
  chroot "$tmp" apt-get clean
  rm -rf "$tmp"/var/lib/apt/lists/* "$tmp"/var/cache/apt/*.bin "$tmp"/var/log/*.log "$tmp"/tmp/* "$tmp"/debootstrap
  printf '%s\n' "$SUITE" > "$tmp/etc/hostname"
  : > "$tmp/etc/resolv.conf"
  tar -C "$tmp" --numeric-owner --xattrs --acls -cf "$BASE_DIR/rootfs.tar.new" .
  mv "$BASE_DIR/rootfs.tar.new" "$BASE_DIR/rootfs.tar"
  echo "$base_key" > "$BASE_DIR/key"
  rm -rf --one-file-system "$tmp"
  buildah rmi "$BASE_IMAGE" >/dev/null 2>&1 || true
  log "rootfs: $BASE_DIR/rootfs.tar ($(du -h "$BASE_DIR/rootfs.tar" | cut -f1))"
fi
if buildah inspect --type image "$BASE_IMAGE" >/dev/null 2>&1; then
  log "base image in buildah storage: $BASE_IMAGE"
else
  log "importing the rootfs as $BASE_IMAGE"
  bctr=$(buildah from --quiet scratch)
  bmnt=$(buildah mount "$bctr")
  tar -C "$bmnt" --numeric-owner --xattrs --acls -xf "$BASE_DIR/rootfs.tar"
  buildah umount "$bctr" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env LANG=C.UTF-8 --cmd /bin/bash --os linux --arch amd64 \
    --label "org.opencontainers.image.description=Debian $SUITE minbase + $BASE_PACKAGES (debootstrap)" "$bctr"
  buildah commit --quiet --rm "$bctr" "$BASE_IMAGE" >/dev/null
fi
buildah run --isolation chroot "$(buildah from --quiet "$BASE_IMAGE" | tee "$WORK/base-ctr")" -- python3 --version \
  | sed 's/^/  base has /'
buildah rm "$(cat "$WORK/base-ctr")" >/dev/null

# ---------------------------------------------------------------- 3. build context
stage context
CONTEXT="$WORK/context"
mkdir -p "$CONTEXT"
# Tracked and untracked-but-not-ignored files, as they are in the work tree now (files deleted
# there are skipped); never .venv, var/ or anything else git ignores.
(cd "$ROOT" && git ls-files -z -co --exclude-standard \
  | while IFS= read -r -d '' f; do [ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf -) | tar -C "$CONTEXT" -xf -
for bad in .venv var .git; do [ ! -e "$CONTEXT/$bad" ] || die "build context contains $bad"; done
mkdir -p "$CONTEXT/wheels"
cp -l "$TORCH_WHEEL" "$CONTEXT/wheels/" 2>/dev/null || cp "$TORCH_WHEEL" "$CONTEXT/wheels/"
log "context: $(find "$CONTEXT" -type f | wc -l) files, $(du -sh "$CONTEXT" | cut -f1) (with wheels/$(basename "$TORCH_WHEEL"))"

# ---------------------------------------------------------------- 4. build
stage build
buildah rmi "$IMAGE_TAG" >/dev/null 2>&1 || true
IMAGE_BUILT=1
# --format docker: the OCI format drops HEALTHCHECK. --pull=never: the base exists only locally.
# The full log is in $WORK/build.log; only the steps and errors are shown.
# The host's CA bundle goes to pip in the build (a TLS-intercepting proxy may sit before PyPI); it is
# bind-mounted for the RUN steps only, never copied into the image.
ca_args=()
if [ -f "$HOST_CA_BUNDLE" ]; then
  # Mounted over the base's own bundle (ca-certificates is in it), so no mount point is left in the image.
  ca_args=(--volume "$HOST_CA_BUNDLE:/etc/ssl/certs/ca-certificates.crt:ro"
           --build-arg PIP_CERT=/etc/ssl/certs/ca-certificates.crt)
fi
{ "${NICE[@]}" buildah bud --isolation chroot --format docker --pull=never "${ca_args[@]}" \
    --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$IMAGE_TAG" -f "$CONTEXT/Dockerfile" "$CONTEXT" 2>&1
  echo $? > "$WORK/build.rc"; } \
  | tee "$WORK/build.log" | grep -E --line-buffered '(^|\] )(STEP [0-9]|COMMIT)|^\+ |^torch |rror|WARN|^Successfully installed' | awk '{ print substr($0, 1, 200); fflush() }' || true
[ "$(cat "$WORK/build.rc")" = 0 ] || { tail -n 40 "$WORK/build.log"; die "buildah bud failed"; }
buildah inspect --type image "$IMAGE_TAG" >/dev/null 2>&1 || die "image $IMAGE_TAG not found after the build"
log "image $IMAGE_TAG: $(buildah images --format '{{.Size}}' "$IMAGE_TAG" | head -n1)"

# ---------------------------------------------------------------- 5. image metadata
stage metadata
buildah inspect --type image "$IMAGE_TAG" > "$WORK/inspect.json"
cfg() {  # cfg KEY: a value of the image's Docker config, as JSON (null when absent)
  "$PY" -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["Docker"]["config"].get(sys.argv[2])))' \
    "$WORK/inspect.json" "$1"
}
img_user=$(cfg User | tr -d '"')
img_cmd=$(cfg Cmd)
img_health=$(cfg Healthcheck)
img_volumes=$(cfg Volumes)
img_env=$(cfg Env)
log "user=$img_user cmd=$img_cmd volumes=$img_volumes workdir=$(cfg WorkingDir)"
log "healthcheck=$img_health"
[ -n "$img_user" ] && [ "$img_user" != null ] && [ "${img_user%%:*}" != root ] && [ "${img_user%%:*}" != 0 ] \
  || die "image USER is root or unset: '$img_user'"
echo "$img_health" | grep -q /healthz || die "image has no HEALTHCHECK on /healthz (built in OCI format?)"
echo "$img_volumes" | grep -q '"/data"' || die "image declares no VOLUME /data"
echo "$img_cmd" | grep -q '"serve"' || die "image CMD does not run 'factcheck serve'"
echo "$img_env" | grep -q 'FACTCHECK_DATA_DIR=/data' || die "FACTCHECK_DATA_DIR is not /data in the image"
echo "$img_env" | grep -q 'FACTCHECK_REQUIRE_API_KEYS=true' || die "the image does not require API keys"

CTR=$(buildah from --quiet --pull=never --name "$RUN_ID" "$IMAGE_TAG")
# Inside the image: CPU-only torch, the packaged embedding model and its ONNX export, the configuration from
# FACTCHECK_* variables.
buildah run --isolation chroot "$CTR" -- python - <<'EOF' > "$WORK/inimage.log" 2>&1 || { cat "$WORK/inimage.log"; die "in-image checks failed"; }
import os, torch
from service.embeddings import resolve_model_path
from service.config import Config
assert torch.version.cuda is None, f"torch is a CUDA build: {torch.__version__}"
print(f"uid={os.getuid()} torch={torch.__version__} (cuda: {torch.version.cuda}) model={resolve_model_path('all-MiniLM-L6-v2')}")
c = Config.from_env()
print(f"data_dir={c.data_dir} seeds_dir={c.seeds_dir} seeds={len(os.listdir(c.seeds_dir))}")
from service.embeddings import check_embedder_ready
assert c.embedding_backend == "onnx", c.embedding_backend
check_embedder_ready(c)  # the build's export is in the image, current, where FACTCHECK_ONNX_DIR points
print(f"embedding backend={c.embedding_backend} export={c.onnx_dir}")
EOF
sed 's/^/  /' "$WORK/inimage.log"
run_uid=$(buildah run --isolation chroot "$CTR" -- id -u)
[ "$run_uid" != 0 ] || die "buildah run executes as root"
# The image's VOLUME /data (buildah gives each container a copy, as an engine does for an anonymous volume)
# is writable by that user.
buildah run --isolation chroot "$CTR" -- sh -c 'touch /data/.write-test && rm /data/.write-test' \
  || die "/data is not writable by uid $run_uid"
log "runs as uid $run_uid; /data writable"

# ---------------------------------------------------------------- 6. start the service
stage start
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The data dir: a fresh host dir owned by the service user. buildah 1.28 mounts the image's own volume over
# anything given at a VOLUME path (-v host:/data is shadowed, unlike with docker/podman), so it goes to
# another path, named by FACTCHECK_DATA_DIR.
DATA="$WORK/data"
CDATA=/srv/factcheck-data
mkdir -p "$DATA"
chown "$run_uid" "$DATA"
chmod 700 "$DATA"
mapfile -t cmd < <(echo "$img_cmd" | "$PY" -c 'import json, sys; print("\n".join(json.load(sys.stdin)))')
# Without a key the image refuses to start (it binds 0.0.0.0).
if buildah run --isolation chroot --env "FACTCHECK_DATA_DIR=$CDATA" --volume "$DATA:$CDATA" "$CTR" -- \
    "${cmd[@]}" --no-seeds > "$WORK/nokey.log" 2>&1; then
  die "the image started without API keys"
fi
grep -q FACTCHECK_REQUIRE_API_KEYS "$WORK/nokey.log" || { cat "$WORK/nokey.log"; die "no clear refusal without keys"; }
log "without API keys the image refuses to start: $(grep -o 'FACTCHECK_REQUIRE_API_KEYS[^(]*' "$WORK/nokey.log" | head -1)"
KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')
echo "$KEY" > "$WORK/keys.txt"
chmod 644 "$WORK/keys.txt"
log "running ${cmd[*]} on 127.0.0.1:$PORT with data dir $DATA -> $CDATA and a mounted key file"
"${NICE[@]}" buildah run --isolation chroot \
  --env FACTCHECK_HOST=127.0.0.1 --env "FACTCHECK_PORT=$PORT" \
  --env "FACTCHECK_CONTAINER_TEST=$RUN_ID" \
  --env FACTCHECK_API_KEYS_FILE=/srv/factcheck-keys --volume "$WORK/keys.txt:/srv/factcheck-keys:ro" \
  --env "FACTCHECK_DATA_DIR=$CDATA" --volume "$DATA:$CDATA" "$CTR" -- "${cmd[@]}" > "$WORK/service.log" 2>&1 &
SERVICE_PID=$!
t0=$(date +%s)
code=000
while :; do
  code=$(curl -s -o "$WORK/readyz.json" -w '%{http_code}' --max-time 5 "http://127.0.0.1:$PORT/readyz" || true)
  [ "$code" = 200 ] && break
  kill -0 "$SERVICE_PID" 2>/dev/null || die "the service exited before it was ready"
  [ $(( $(date +%s) - t0 )) -lt "$READY_TIMEOUT" ] || die "/readyz not 200 after ${READY_TIMEOUT}s (last: $code)"
  sleep 2
done
log "/readyz 200 after $(( $(date +%s) - t0 ))s: $(head -c 300 "$WORK/readyz.json")"

# ---------------------------------------------------------------- 7. API checks
stage api
code=$(curl -s -o "$WORK/healthz.json" -w '%{http_code}' --max-time 10 "http://127.0.0.1:$PORT/healthz")
[ "$code" = 200 ] || die "/healthz returned $code"
log "/healthz 200: $(cat "$WORK/healthz.json")"
# The image's own HEALTHCHECK command, run inside the image as it would be by an engine.
mapfile -t hc < <(echo "$img_health" | "$PY" -c 'import json, sys; t = json.load(sys.stdin)["Test"]; print("\n".join(t[1:] if t[0] == "CMD" else ["/bin/sh", "-c", t[1]]))')
buildah run --isolation chroot --env "FACTCHECK_PORT=$PORT" "$CTR" -- "${hc[@]}" \
  || die "the image's HEALTHCHECK command failed"
log "HEALTHCHECK command passed"
body=$("$PY" -c 'import json, sys; print(json.dumps({"statement": sys.argv[1]}))' "$STATEMENT")
code=$(curl -s -o "$WORK/check.json" -w '%{http_code}' --max-time 120 -H 'Content-Type: application/json' \
  -d "$body" "http://127.0.0.1:$PORT/v1/check")
[ "$code" = 200 ] || { head -c 1000 "$WORK/check.json"; echo; die "POST /v1/check returned $code"; }
"$PY" - "$WORK/check.json" <<'EOF' || die "POST /v1/check: no matches"
import json, sys
r = json.load(open(sys.argv[1]))
m = r.get("matches") or []
print(f"  POST /v1/check 200: {len(m)} match(es), summary {r.get('summary')}")
for x in m[:3]:
    print(f"    {x['similarity']:.2f} {x['stance']['label']:8} {x['text'][:90]}")
sys.exit(0 if m else 1)
EOF

code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X DELETE "http://127.0.0.1:$PORT/v1/articles/x")
[ "$code" = 401 ] || die "DELETE without a key returned $code, not 401"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X DELETE -H "Authorization: Bearer $KEY" \
  "http://127.0.0.1:$PORT/v1/articles/no-such-article")
[ "$code" = 404 ] || die "DELETE with the key returned $code, not 404"
log "DELETE without a key: 401; with the mounted key: 404 for an unknown article"

# ---------------------------------------------------------------- 8. non-root process
stage user
pids=$(service_pids)
[ -n "$pids" ] || die "no service process found"
bad=0
for p in $pids; do
  # real, effective, saved and filesystem uids
  uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$p/status" 2>/dev/null) || continue
  [ -n "$uids" ] || continue
  log "pid $p uids $uids: $(tr '\0' ' ' < "/proc/$p/cmdline" | cut -c1-100)"
  [ "$uids" = "$run_uid $run_uid $run_uid $run_uid" ] || bad=1
done
[ "$bad" = 0 ] || die "a service process runs as another uid than $run_uid"
owner=$(stat -c %u "$DATA/factcheck.sqlite3" 2>/dev/null) || { ls -la "$DATA"; die "no store written to the data dir"; }
[ "$owner" = "$run_uid" ] || die "store in the data dir owned by uid $owner, not $run_uid"
log "all service processes run as uid $run_uid ($img_user); store and index written to the data dir by that uid:"
ls -ln "$DATA" | sed 's/^/  /'

stage stop
stop_service
if grep -E '\[ERROR\]| ERROR |Traceback' "$WORK/service.log"; then
  die "errors in the service log (above)"
fi
grep -E 'Booting worker|Listening at|seeds:' "$WORK/service.log" | head -n 8 | sed 's/^/  /' || true
stage_end
RESULT=PASS
