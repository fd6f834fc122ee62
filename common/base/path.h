/* path — file names: joining a directory and a name, the base name and
 * the stem (the base name without its last extension) of a path, and
 * making directories. Joined
 * paths are malloc'd and owned by the caller; the others point into the
 * path given. */
#ifndef IMATSEG_PATH_H
#define IMATSEG_PATH_H

#include <stddef.h>

#include "err.h"

/* "dir/name". */
char *path_join(const char *dir, const char *name);
/* "dir/" + the first len bytes of name + ext: dir/STEM.png and the like. */
char *path_join_stem(const char *dir, const char *name, size_t len,
    const char *ext);

/* The part after the last '/'. */
const char *path_base(const char *path);
/* Length of the stem of a name of len bytes: "a.jpg" -> "a"; a name
 * without a dot, or whose only dot is its first or last byte (".hidden",
 * "a."), is its own stem. */
size_t path_stem_len(const char *name, size_t len);
/* The stem of a path's base name: a pointer into path, its length in
 * *len ("dir/abc.png" -> "abc", 3). */
const char *path_stem(const char *path, size_t *len);
/* The file `name` shipped with imatseg under share/imatseg/, found
 * beside the running program (PREFIX/bin/../share/imatseg/, which is
 * also the build tree's layout). 0 and buf filled when it is readable. */
int path_shipped(const char *name, char *buf, size_t size);
/* The directory part: "a/b" -> "a", "b" -> ".", "/b" -> "/" (malloc'd). */
char *path_dir(const char *path);
/* mkdir -p: dir and any missing parents (mode 0777 less the umask); a
 * directory already there is fine, anything else there is refused. */
int path_mkdirs(const char *dir, Err *e);

#endif
