#!/usr/bin/env bats
# unet-serve: every endpoint and every refusal over HTTP with curl, the
# masks against unet-infer's and mask2rle's bytes, concurrency, a slow
# client, SIGTERM, metrics (unet-serve(1)). A tiny model trained on 32x32
# synthetic shards, as in unet-infer.bats; each test starts its own
# server on a free port and kills it in teardown.

load helpers

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	PATH="$BIN:$PATH"
	tiny_model
	# a photo big enough to keep a worker busy for a while
	"$PY" -c '
import numpy as np
from PIL import Image
r = np.random.default_rng(1)
Image.fromarray(r.integers(0, 256, (1400, 1400, 3), np.uint8)).save("big.jpg", quality=95)
'
}

D() { printf '%s' "$BATS_FILE_TMPDIR"; }
photo() { ls "$(D)"/syn/test/*.jpg | head -1; }

# start [OPTION...]: a server on a free port; $URL and $SERVER set. The
# last server's log goes first: its "listening" line would be read
# before the new server's redirection truncates the file.
start() {
	rm -f server.log
	unet-serve -m "$(D)/model.st" --listen 127.0.0.1:0 "$@" 2> server.log &
	SERVER=$!
	URL=$(wait_listening server.log "$SERVER")
	[ -n "$URL" ] || { cat server.log; return 1; }
}

teardown() {
	if [ -n "${SERVER:-}" ]; then
		kill "$SERVER" 2> /dev/null || :
		wait "$SERVER" 2> /dev/null || :
	fi
}

# post PATH-AND-QUERY FILE [CURL-OPTION...]: the status, body in body.out
post() {
	p=$1 f=$2
	shift 2
	curl -s -o body.out -w '%{http_code}' --data-binary "@$f" "$@" "$URL${p#/}"
}

# json EXPR: a Python expression over the JSON in body.out (as j)
json() {
	"$PY" -c 'import json, sys; j = json.load(open("body.out")); print(eval(sys.argv[1]))' "$1"
}

@test "--help prints usage and exits 0; --version" {
	run -0 unet-serve --help
	assert_output --partial 'usage: unet-serve -m model'
	run -0 unet-serve --version
	assert_output --partial 'unet-serve (imatseg)'
}

@test "usage errors exit 2" {
	run -2 unet-serve
	assert_output --partial '-m model is required'
	run -2 unet-serve -m "$(D)/model.st" --listen 8080
	assert_output --partial '--listen 8080: not HOST:PORT'
	run -2 unet-serve -m "$(D)/model.st" --listen 127.0.0.1:70000
	run -2 unet-serve -m "$(D)/model.st" -j 2 --nets 3
	assert_output --partial '--nets 3: more networks than -j 2 workers'
	run -2 unet-serve -m "$(D)/model.st" --timeout 0
	run -2 unet-serve -m "$(D)/model.st" photo.jpg
	assert_output --partial 'no file arguments'
}

@test "a missing model, or a port in use: exit 1 naming it" {
	run -1 unet-serve -m nothere.st --listen 127.0.0.1:0
	assert_output --partial 'nothere.st'
	start
	port=${URL##*:}
	port=${port%/}
	run -1 unet-serve -m "$(D)/model.st" --listen "127.0.0.1:$port"
	assert_output --partial "--listen 127.0.0.1:$port: cannot listen"
}

@test "one 'listening on' line, also with -q; then GET /healthz is ok" {
	start -q
	[ "$(grep -c . server.log)" -eq 1 ]
	run -0 curl -s -o body.out -w '%{http_code} %{content_type}' "${URL}healthz"
	assert_output '200 text/plain; charset=utf-8'
	[ "$(cat body.out)" = ok ]
	[ "$(grep -c . server.log)" -eq 1 ]
}

@test "the access log: method, path, status, bytes, milliseconds" {
	start
	curl -s -o /dev/null "${URL}healthz?x=1"
	curl -s -o /dev/null "${URL}nothere"
	kill "$SERVER"
	wait "$SERVER"
	SERVER=
	run -0 grep -E '^unet-serve: GET /healthz 200 3 [0-9]+ ms$' server.log
	run -0 grep -E '^unet-serve: GET /nothere 404 [0-9]+ [0-9]+ ms$' server.log
}

@test "GET /: the page, its script and style, the sample photos, offline" {
	start
	run -0 curl -s -w '\n%{http_code} %{content_type}' "$URL"
	assert_line --partial '<script src="/app.js"></script>'
	assert_line '200 text/html; charset=utf-8'
	refute_output --partial 'http://'
	refute_output --partial 'https://'
	run -0 curl -s -o /dev/null -w '%{http_code} %{content_type}' "${URL}app.js"
	assert_output '200 text/javascript; charset=utf-8'
	run -0 curl -s -o /dev/null -w '%{http_code} %{content_type}' "${URL}style.css"
	assert_output '200 text/css; charset=utf-8'
	! grep -E "(src|href)=\"?https?:" "$TOP"/share/imatseg/serve/*
	! grep -E "fetch\(['\"]https?:" "$TOP/share/imatseg/serve/app.js"
	curl -s -o body.out "${URL}v1/samples"
	run -0 json 'j["samples"]'
	assert_output "['/samples/000000009813.jpg', '/samples/000000010223.jpg']"
	run -0 json '"CC BY 4.0" in j["credit"]'
	assert_output True
	curl -s -o s.jpg "${URL}samples/000000009813.jpg"
	cmp s.jpg "$SAMPLE/images/000000009813.jpg"
}

@test "GET /v1/model: the checkpoint's metadata and the category names" {
	start
	curl -s -o body.out "${URL}v1/model"
	run -0 json '[j[k] for k in ("size", "filters", "depth", "classes", "epoch")]'
	assert_output '[32, 4, 2, 47, 1]'
	run -0 json 'j["val_miou"] >= 0, len(j["categories"]), j["categories"][31]'
	assert_output "(True, 46, {'id': 31, 'name': 'sleeve', 'colour': '#00bb88'})"
}

@test "POST /v1/segment: the mask is unet-infer's, byte for byte" {
	start
	for f in "$(D)"/syn/test/*.jpg "$(D)/big.jpg"; do
		unet-infer -m "$(D)/model.st" < "$f" > want.png
		[ "$(post /v1/segment "$f" -H 'Content-Type: image/jpeg')" = 200 ]
		cmp body.out want.png
	done
	# a PNG photo, sent as curl sends a file by default
	cp "$(D)/syn/masks/$(ls "$(D)/syn/masks" | head -1)" photo.png
	unet-infer -m "$(D)/model.st" < photo.png > want.png
	[ "$(post /v1/segment photo.png)" = 200 ]
	cmp body.out want.png
}

@test "--letterbox: the mask is unet-infer --letterbox's" {
	start --letterbox
	for f in "$(D)"/syn/test/*.jpg; do
		unet-infer -m "$(D)/model.st" --letterbox < "$f" > want.png
		[ "$(post /v1/segment "$f")" = 200 ]
		cmp body.out want.png
	done
	unet-infer -m "$(D)/model.st" < "$(photo)" > stretched.png
	post /v1/segment "$(photo)" > /dev/null
	! cmp -s body.out stretched.png
	curl -s -o body.out "${URL}v1/model"
	run -0 json 'j["letterbox"]'
	assert_output True
}

@test "multipart/form-data (the page's upload) gives the same mask" {
	start
	f=$(photo)
	unet-infer -m "$(D)/model.st" < "$f" > want.png
	run -0 curl -s -o body.out -w '%{http_code} %{content_type}' \
	    -F note=hello -F "photo=@$f" "${URL}v1/segment"
	assert_output '200 image/png'
	cmp body.out want.png
}

@test "?format=overlay is unet-infer --overlay's PNG" {
	start
	f=$(photo)
	mkdir m ov
	unet-infer -m "$(D)/model.st" -o m --overlay ov "$f"
	[ "$(post '/v1/segment?format=overlay' "$f")" = 200 ]
	cmp body.out "ov/$(basename "$f" .jpg).png"
}

@test "?format=json (or Accept): size, model, categories with pixels and share" {
	start
	f=$(photo)
	unet-infer -m "$(D)/model.st" < "$f" > mask.png
	[ "$(post '/v1/segment?format=json' "$f")" = 200 ]
	run -0 "$PY" - "$f" <<'PY'
import json, sys, numpy as np
from PIL import Image
j = json.load(open("body.out"))
m = np.array(Image.open("mask.png"))
h, w = Image.open(sys.argv[1]).size[::-1]
want = [(int(v) - 1, int((m == v).sum())) for v in np.unique(m) if v > 0]
got = [(c["id"], c["pixels"]) for c in j["categories"]]
print(j["width"] == w, j["height"] == h, got == want,
      all(abs(c["share"] - c["pixels"] / (w * h)) < 1e-6 for c in j["categories"]),
      j["model"]["size"], j["ms"] >= 0)
PY
	assert_output 'True True True True 32 True'
	[ "$(post /v1/segment "$f" -H 'Accept: text/html, application/json;q=0.9')" = 200 ]
	run -0 json 'j["width"]'
}

@test "?format=csv: the rows mask2rle writes; ImageId from ?id, the file name, else upload.jpg" {
	start
	f=$(photo)
	k=$(basename "$f" .jpg)
	mkdir m
	unet-infer -m "$(D)/model.st" -o m "$f" > /dev/null
	mask2rle "m/$k.png" > want.csv
	[ "$(post "/v1/segment?format=csv&id=$k.jpg" "$f")" = 200 ]
	cmp body.out want.csv
	mask2rle --instances "m/$k.png" > want.csv
	run -0 curl -s -o body.out -F "photo=@$f" "${URL}v1/segment?format=csv&instances=1"
	cmp body.out want.csv
	[ "$(post '/v1/segment?format=csv' "$f" -H 'Accept: text/csv')" = 200 ]
	sed 1d body.out | cut -d, -f1 | sort -u | grep -qx 'upload.jpg'
	run -0 curl -s -H 'Accept: text/csv' -F "photo=@$f;filename=\"my,photo.jpg\"" "${URL}v1/segment"
	assert_output --partial "cannot be an ImageId: give ?id="
}

# refusal STATUS REASON: the last answer was STATUS with a JSON error
# naming REASON, and the server still answers.
refusal() {
	[ "$code" = "$1" ] || { echo "status $code, not $1"; cat body.out; return 1; }
	run -0 json 'j["error"]'
	assert_output --partial "$2"
	run -0 curl -s "${URL}healthz"
	assert_output ok
}

@test "bad photos: 400 not decodable, 400 truncated, 415 unsupported type" {
	start
	echo 'not a photo' > text.jpg
	code=$(post /v1/segment text.jpg -H 'Content-Type: image/jpeg')
	refusal 400 'upload: not a JPEG or PNG photo'
	head -c 2000 "$(photo)" > cut.jpg
	code=$(post /v1/segment cut.jpg)
	refusal 400 'upload: VipsJpeg: Premature end'
	run -0 curl -s -o body.out -w '%{http_code}' -F "photo=@cut.jpg" "${URL}v1/segment"
	code=$output
	refusal 400 'cut.jpg: VipsJpeg'
	code=$(post /v1/segment text.jpg -H 'Content-Type: text/plain')
	refusal 415 'Content-Type text/plain: send image/jpeg, image/png or multipart/form-data'
	printf 'GIF89a\001\000\001\000' > a.gif
	code=$(post /v1/segment a.gif)
	refusal 415 'upload: only JPEG and PNG photos are segmented'
	: > empty.jpg
	code=$(post /v1/segment empty.jpg)
	refusal 400 'upload: empty'
	code=$(post /v1/segment text.jpg -H 'Content-Type: multipart/form-data')
	refusal 400 'needs its boundary'
	code=$(post /v1/segment text.jpg -H 'Content-Type: multipart/form-data; boundary=XX')
	refusal 400 'multipart: no boundary in the body'
}

@test "413: a body over --max-bytes is refused while it arrives, with or without Content-Length" {
	start --max-bytes 100000
	head -c 1000000 /dev/zero > big.bin
	code=$(post /v1/segment big.bin)
	refusal 413 'the body'"'"'s 1000000 bytes are more than 100000 (--max-bytes)'
	code=$(post /v1/segment big.bin -H 'Expect:')
	refusal 413 'more than 100000 (--max-bytes)'
	code=$(post /v1/segment big.bin -H 'Transfer-Encoding: chunked')
	refusal 413 'the body is more than 100000 bytes (--max-bytes)'
	code=$(post /v1/segment "$(photo)")
	[ "$code" = 200 ]
}

@test "413: a photo over --max-pixels is refused from its header; a PNG bomb never decoded" {
	start --max-pixels 1000
	code=$(post /v1/segment "$(photo)")
	refusal 413 'is more than 1000 pixels (--max-pixels)'
	# 100000 x 100000 grey pixels claimed, a few bytes sent
	"$PY" - <<'PY'
import struct, zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
open("bomb.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR",
    struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0)) +
    chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))
PY
	kill "$SERVER"
	wait "$SERVER" || :
	start
	code=$(post /v1/segment bomb.png)
	refusal 413 'upload: 100000x100000 is more than 100000000 pixels'
}

@test "404 unknown path, 405 wrong method with Allow, 400 bad options, 406 nothing acceptable" {
	start
	code=$(curl -s -o body.out -w '%{http_code}' "${URL}v2/segment")
	refusal 404 '/v2/segment: no such page'
	run -0 curl -s -i "${URL}v1/segment"
	assert_line --partial 'HTTP/1.1 405'
	assert_line --regexp '^Allow: POST'
	run -0 curl -s -i -X POST "${URL}v1/model"
	assert_line --partial 'HTTP/1.1 405'
	assert_line --regexp '^Allow: GET, HEAD'
	code=$(post '/v1/segment?format=gif' "$(photo)")
	refusal 400 '?format=gif: not png, overlay, json or csv'
	code=$(post '/v1/segment?size=64' "$(photo)")
	refusal 400 '?size: unknown parameter'
	code=$(post '/v1/segment?instances=yes' "$(photo)")
	refusal 400 '?instances=yes: not 0 or 1'
	code=$(post /v1/segment "$(photo)" -H 'Accept: text/html')
	refusal 406 'Accept: none of image/png'
}

@test "a client that sends slowly is cut after --timeout; the others are served meanwhile" {
	start --timeout 2
	"$PY" - "${URL}" > slow.out <<'PY' &
import socket, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
s = socket.create_connection((u.hostname, u.port))
s.sendall(b"POST /v1/segment HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n")
t0 = time.time()
try:
    for i in range(500):        # 50 s at this pace: far past the deadline
        s.sendall(b"x")
        time.sleep(0.1)
    print("not cut")
except OSError:
    print("cut")
PY
	slow=$!
	sleep 0.5
	[ "$(post /v1/segment "$(photo)")" = 200 ]
	wait "$slow"
	run -0 cat slow.out
	assert_output cut
	run -0 grep -E '^unet-serve: POST /v1/segment 408 0 [0-9]+ ms$' server.log
	run -0 curl -s "${URL}healthz"
	assert_output ok
}

@test "32 concurrent clients: each gets a 200 with the right mask or a 503 with Retry-After" {
	start -j 2 --queue 2
	unet-infer -m "$(D)/model.st" < "$(D)/big.jpg" > want.png
	seq 32 | xargs -P 32 -I{} curl -s -D h{}.txt -o m{}.png -w '%{http_code}\n' \
	    --data-binary "@$(D)/big.jpg" "${URL}v1/segment" > codes.txt
	[ "$(wc -l < codes.txt)" -eq 32 ]
	run -1 grep -Evx '200|503' codes.txt
	ok=0
	for i in $(seq 32); do
		if grep -q '^HTTP/1.1 200' "h$i.txt"; then
			cmp "m$i.png" want.png
			ok=$((ok + 1))
		else
			grep -q '^HTTP/1.1 503' "h$i.txt"
			grep -q '^Retry-After: 1' "h$i.txt"
		fi
	done
	[ "$ok" -ge 1 ]
	run -0 curl -s "${URL}healthz"
	assert_output ok
}

@test "--nets: one network shared or one per worker, the same masks" {
	start -j 2 --nets 1
	post /v1/segment "$(D)/big.jpg" > /dev/null
	mv body.out one.png
	kill "$SERVER"
	wait "$SERVER" || :
	start -j 2 --nets 2
	post /v1/segment "$(D)/big.jpg" > /dev/null
	cmp body.out one.png
}

@test "SIGTERM: a request in flight is finished, new ones refused, exit 0" {
	start -j 1
	"$PY" - "${URL}" "$(photo)" "$SERVER" > late.out <<'PY' &
import os, signal, socket, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
body = open(sys.argv[2], "rb").read()
s = socket.create_connection((u.hostname, u.port))
s.sendall(b"POST /v1/segment HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n"
          b"Content-Length: %d\r\n\r\n" % len(body) + body[:100])
time.sleep(0.3)
os.kill(int(sys.argv[3]), signal.SIGTERM)   # half a request in flight
time.sleep(0.5)
try:
    socket.create_connection((u.hostname, u.port), timeout=5)
    print("new connection accepted")
except OSError:
    print("new connection refused")
s.sendall(body[100:])
answer = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    answer += b
    head, _, rest = answer.partition(b"\r\n\r\n")
    n = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")]
    if n and len(rest) >= n[0]:
        break
print(answer.split(b"\r\n")[0].decode())
open("late.png", "wb").write(answer.partition(b"\r\n\r\n")[2])
PY
	client=$!
	wait "$client"
	run -0 cat late.out
	assert_output $'new connection refused\nHTTP/1.1 200 OK'
	unet-infer -m "$(D)/model.st" < "$(photo)" > want.png
	cmp late.png want.png
	run -0 wait "$SERVER"
	SERVER=
	run -0 grep -c 'SIGTERM: finishing the requests in flight' server.log
}

@test "GET /metrics: Prometheus text, requests by endpoint and status, latency, photos" {
	start
	post /v1/segment "$(photo)" > /dev/null
	curl -s -o /dev/null "${URL}nothere"
	curl -s -o metrics.txt -w '%{content_type}' "${URL}metrics" > type.txt
	run -0 cat type.txt
	assert_output 'text/plain; version=0.0.4; charset=utf-8'
	run -0 "$PY" - <<'PY'
import re
names, samples = set(), {}
for line in open("metrics.txt"):
    line = line.rstrip("\n")
    if line.startswith("# TYPE "):
        names.add(line.split()[2])
        continue
    if line.startswith("#"):
        assert line.startswith("# HELP "), line
        continue
    m = re.fullmatch(r'([a-z_]+)(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? ([0-9.e+-]+)', line)
    assert m, line
    base = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
    assert base in names or m.group(1) in names, line
    samples[m.group(1) + (m.group(2) or "")] = float(m.group(4))
print(samples['unet_serve_requests_total{endpoint="/v1/segment",status="200"}'],
      samples['unet_serve_requests_total{endpoint="other",status="404"}'],
      samples['unet_serve_request_duration_seconds_bucket{le="+Inf"}'],
      samples["unet_serve_request_duration_seconds_count"],
      samples["unet_serve_photos_segmented_total"],
      samples["unet_serve_pixels_segmented_total"] > 0,
      samples["unet_serve_requests_in_flight"],
      samples["unet_serve_queue_length"])
PY
	assert_output '1.0 1.0 2.0 2.0 1.0 True 1.0 0.0'
}

@test "the page in headless chromium: upload, overlay, legend, opacity, downloads, samples" {
	# playwright-core comes from `make deps` (npm ci in tests/browser)
	[ -d "$TOP/tests/browser/node_modules/playwright-core" ]
	start
	run -0 node "$TOP/tests/browser/page.js" "$URL" "$(photo)" \
	    "$BATS_TEST_TMPDIR/page.png"
	assert_line 'ok: the overlay covers the photo at its size'
	assert_line --regexp '^ok: the overlay paints the [0-9]+ pixels of categories$'
	assert_line --regexp '^ok: the legend has a row per label found'
	assert_line 'ok: the opacity slider sets the overlay'"'"'s opacity'
	assert_line 'ok: the submission rows download'
	assert_line 'ok: a sample photo is segmented'
	assert_line 'ok: nothing fetched from elsewhere ()'
	[ -s page.png ] && [ -s page-sample.png ]
	# kept past the test's directory, to look at
	mkdir -p "$TOP/build/artefacts"
	cp page.png "$TOP/build/artefacts/unet-serve-page.png"
	cp page-sample.png "$TOP/build/artefacts/unet-serve-page-sample.png"
	echo "# screenshots: $TOP/build/artefacts/unet-serve-page*.png" >&3
}
