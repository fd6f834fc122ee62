#!/bin/sh
# eda.sh STATS DIR [TITLE]: the data at a glance, from the table of
# `rle2mask --stats` (rle2mask(1)): four gnuplot PNGs in DIR (images per
# category, mask area share per category, objects per image, attributes
# per object: eda.gp) and DIR/index.html, a page with them and the
# table. Everything is made in a temporary directory beside DIR's files
# and renamed into place, the page last. examples/Makefile runs it
# (make -C examples eda).
set -eu
[ $# -ge 2 ] || { echo "usage: eda.sh STATS DIR [TITLE]" >&2; exit 2; }
stats=$1
dir=$2
title=${3:-$stats}
here=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C

if [ "$(head -1 "$stats")" != "$(printf 'kind\tid\tname\trows\timages\tpixels\tshare')" ]; then
	echo "eda.sh: $stats: not a table of rle2mask --stats" >&2
	exit 1
fi
if ! awk -F'\t' '$1 == "total" && $4 > 0 { ok = 1 } END { exit !ok }' "$stats"; then
	echo "eda.sh: $stats: no annotation rows to plot" >&2
	exit 1
fi
mkdir -p "$dir"
tmp=$(mktemp -d "$dir/.eda.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The figures' data: categories present by images (then share), the
# two histograms as they are.
awk -F'\t' '$1 == "category" && $4 > 0 { print $3 "\t" $5 }' "$stats" |
    sort -t "$(printf '\t')" -k2,2nr -k1,1 > "$tmp/categories.dat"
awk -F'\t' '$1 == "category" && $4 > 0 { print $3 "\t" $7 }' "$stats" |
    sort -t "$(printf '\t')" -k2,2gr -k1,1 > "$tmp/share.dat"
awk -F'\t' '$1 == "objects_per_image" { print $2 "\t" $5 }' "$stats" > "$tmp/objects.dat"
awk -F'\t' '$1 == "attributes_per_object" { print $2 "\t" $4 }' "$stats" > "$tmp/attributes.dat"
gnuplot -e "dir='$tmp'" "$here/eda.gp"

# The page: the figures, then the table of categories and attributes.
awk -F'\t' -v title="$title" '
function esc(s) {
	gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s)
	gsub(/>/, "\\&gt;", s); gsub(/"/, "\\&quot;", s)
	return s
}
function pct(v) { return v == "nan" ? "" : sprintf("%.2f%%", 100 * v) }
function row(r) {
	return "<tr><td>" r[2] "</td><td>" esc(r[3]) "</td><td>" r[4] \
	    "</td><td>" r[5] "</td><td>" r[6] "</td><td>" pct(r[7]) "</td></tr>"
}
NR == 1 { next }
$1 == "category" { split($0, r, "\t"); cats = cats row(r) "\n"; ncat++; if ($4 > 0) present++ }
$1 == "attribute" && $4 > 0 { split($0, r, "\t"); attrs = attrs row(r) "\n" }
$1 == "total" { rows = $4; images = $5 }
END {
	print "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
	print "<title>" esc(title) "</title>"
	print "<style>\nbody { font-family: sans-serif; margin: 1em; }"
	print "img { max-width: 100%; display: block; margin: 1em 0; }"
	print "table { border-collapse: collapse; }"
	print "td, th { padding: 2px 8px; text-align: right; }"
	print "td:nth-child(2), th:nth-child(2) { text-align: left; }\n</style>"
	print "<script>\nwindow.addEventListener(\"load\", function () {"
	print "  var imgs = document.images, ok = 0;"
	print "  for (var i = 0; i < imgs.length; i++)"
	print "    if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++;"
	print "  document.body.setAttribute(\"data-loaded\", ok + \"/\" + imgs.length);"
	print "  document.getElementById(\"status\").textContent = ok == imgs.length ?"
	print "    \"all \" + ok + \" figures loaded\" : (imgs.length - ok) + \" figures missing\";"
	print "});\n</script>\n</head>\n<body>"
	print "<h1>" esc(title) "</h1>\n<p id=\"status\"></p>"
	printf "<p>%d objects (annotation rows) in %d images; %d of %d categories present.</p>\n", rows, images, present, ncat
	print "<img src=\"categories.png\" alt=\"images per category\">"
	print "<img src=\"share.png\" alt=\"mask area share per category\">"
	print "<img src=\"objects.png\" alt=\"objects per image\">"
	print "<img src=\"attributes.png\" alt=\"attributes per object\">"
	hdr = "<tr><th>id</th><th>name</th><th>objects</th><th>images</th><th>pixels</th><th>mean area share</th></tr>"
	print "<h2>Categories</h2>\n<table>\n" hdr "\n" cats "</table>"
	print "<h2>Attributes in use</h2>\n<table>\n" hdr "\n" attrs "</table>"
	print "<p>From <code>rle2mask --stats</code>: see rle2mask(1).</p>\n</body>\n</html>"
}' "$stats" > "$tmp/index.html"

for f in categories share objects attributes; do
	mv "$tmp/$f.png" "$dir/$f.png"
done
mv "$tmp/index.html" "$dir/index.html"
