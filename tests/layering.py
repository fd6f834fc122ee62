#!/usr/bin/env python3
"""The rules of common/'s layers that the compiler does not check.

usage: layering.py [TOP]

Prints TAP, one test per rule naming every offence, and exits 1 when
one fails:
  - nothing under common/ but common/cli/ prints to stdout or stderr or
    ends the process (printf, puts, putchar, perror, fprintf/fputs/fputc/
    putc/fwrite/vfprintf to stdout or stderr, any use of stderr, exit,
    _exit, abort ...); xalloc.c may say so and abort when memory runs
    out;
  - a quoted include names a header by its plain name (no directory, no
    ".."), so that the -I paths of the layer decide what it may see;
  - a quoted include names a header of the file's own layer or of one it
    may use (USES_x in the Makefile), headers included;
  - a library header (<jansson.h>, <vips/vips.h>, <cblas.h> ...) is
    included only by the layers that link that library.
Writing through a FILE * the caller gave (gallery.c writes its page so)
is fine, and so is handing stdout on as a FILE * the caller asked for
(atomic.c, for the output path "-").
"""
import os
import re
import sys

TOP = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..")
COMMON = os.path.join(TOP, "common")

# Library headers and the layers whose code may include them.
LIBRARY_HEADERS = {
    "jansson.h": {"data", "shard", "model", "serve"},
    "csv.h": {"data"},
    "vips/vips.h": {"image", "synth"},
    "zlib.h": {"image"},
    "libdeflate.h": {"image"},
    "cblas.h": {"nn"},
    "microhttpd.h": {"serve"},
    "mpi.h": {"model"},
}

CALLS = r"(?<![\w.>])(printf|vprintf|puts|putchar|perror|exit|_exit|_Exit|abort|" \
    r"quick_exit|err|errx|warn|warnx|verr|verrx|vwarn|vwarnx)\s*\("
TO_STD = r"\b(fprintf|vfprintf|fputs|fputc|putc|fwrite|fflush)\s*\(" \
    r"[^;]*\b(stdout|stderr)\b"


def uses_table():
    """USES_x from the Makefile: the layers each layer may include."""
    uses = {}
    with open(os.path.join(TOP, "Makefile")) as f:
        for line in f:
            m = re.match(r"^USES_(\w+)\s*=\s*(.*)$", line)
            if m:
                uses[m.group(1)] = set(m.group(2).split())
    return uses


def strip(text):
    """Comments and string and character literals blanked, line breaks
    kept, so that line numbers still hold."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n else ""))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def main():
    uses = uses_table()
    headers = {}        # plain name -> layer
    files = []
    for layer in sorted(os.listdir(COMMON)):
        d = os.path.join(COMMON, layer)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith((".c", ".h")):
                files.append((layer, os.path.join(d, name)))
                if name.endswith(".h"):
                    headers[name] = layer
    loose = [f for f in os.listdir(COMMON) if f.endswith((".c", ".h"))]
    prints, plain, layered, libs = [], [], [], []
    for layer, path in files:
        rel = os.path.relpath(path, TOP)
        with open(path, encoding="utf-8") as f:
            raw = f.read()
        code = strip(raw)
        for k, line in enumerate(code.split("\n"), 1):
            if layer == "cli" or rel == "common/base/xalloc.c":
                break           # xalloc: out of memory, a message, abort()
            for m in re.finditer(CALLS, line):
                prints.append("%s:%d: %s() outside common/cli" %
                              (rel, k, m.group(1)))
            if re.search(TO_STD, line):
                prints.append("%s:%d: prints to stdout or stderr outside "
                              "common/cli" % (rel, k))
            elif re.search(r"\bstderr\b", line):
                prints.append("%s:%d: stderr outside common/cli" % (rel, k))
        allowed = {layer} | uses.get(layer, set())
        for k, line in enumerate(raw.split("\n"), 1):
            m = re.match(r'\s*#\s*include\s*"([^"]+)"', line)
            if m:
                h = m.group(1)
                if "/" in h:
                    plain.append('%s:%d: "%s": include headers by their '
                                 'plain name' % (rel, k, h))
                elif h not in headers:
                    plain.append('%s:%d: "%s" is no header of common/' %
                                 (rel, k, h))
                elif headers[h] not in allowed:
                    layered.append('%s:%d: "%s" is in common/%s, which '
                                   'common/%s may not use' %
                                   (rel, k, h, headers[h], layer))
            m = re.match(r"\s*#\s*include\s*<([^>]+)>", line)
            if m and m.group(1) in LIBRARY_HEADERS and \
                    layer not in LIBRARY_HEADERS[m.group(1)]:
                libs.append("%s:%d: <%s> is not a library of common/%s" %
                            (rel, k, m.group(1), layer))
    results = [
        ("every file of common/ is in a layer",
         ["common/%s: not in a layer's folder" % f for f in loose]),
        ("only common/cli prints or exits (%d files)" % len(files), prints),
        ("quoted includes name headers of common/ by their plain name",
         plain),
        ("each layer includes only the layers it may use (USES_x)",
         layered),
        ("library headers only in the layers that link them", libs),
    ]
    failed = 0
    for i, (name, bad) in enumerate(results, 1):
        print("%s %d - layering: %s" % ("not ok" if bad else "ok", i, name))
        for b in bad:
            print("#   " + b)
        failed += bool(bad)
    print("1..%d" % len(results))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
