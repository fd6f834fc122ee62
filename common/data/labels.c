#include "labels.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "xalloc.h"

void
labels_default(Labels *l)
{
	l->ncat = LABELS_CATEGORIES;
	l->cat = xcalloc((size_t)l->ncat, sizeof *l->cat);
	for (int i = 0; i < l->ncat; i++)
		l->cat[i] = xstrdup("");
	l->nattr = 0;
	l->attr = NULL;
}

void
labels_free(Labels *l)
{
	for (int i = 0; i < l->ncat; i++)
		free(l->cat[i]);
	for (int i = 0; i < l->nattr; i++)
		free(l->attr[i]);
	free(l->cat);
	free(l->attr);
	memset(l, 0, sizeof *l);
}

/* Reads [{"id": N, "name": "..."}...] into names[0..*count). */
static int
load_list(json_t *root, const char *key, const char *path, char ***names,
    int *count, Err *e)
{
	json_t *arr = json_object_get(root, key), *item;
	size_t i;
	int max = -1;

	if (!json_is_array(arr))
		return err_set(e, "%s: no \"%s\" list", path, key);
	json_array_foreach(arr, i, item) {
		json_t *id = json_object_get(item, "id");

		if (!json_is_integer(id) || json_integer_value(id) < 0 ||
		    json_integer_value(id) > LABELS_MAX_ID ||
		    !json_is_string(json_object_get(item, "name")))
			return err_set(e, "%s: %s[%zu]: needs an \"id\" in [0, %d] "
			    "and a \"name\"", path, key, i, LABELS_MAX_ID);
		if (json_integer_value(id) > max)
			max = (int)json_integer_value(id);
	}
	*count = max + 1;
	*names = xcalloc((size_t)*count, sizeof **names);
	json_array_foreach(arr, i, item) {
		int id = (int)json_integer_value(json_object_get(item, "id"));
		const char *name = json_string_value(json_object_get(item, "name"));

		if ((*names)[id] != NULL)
			return err_set(e, "%s: %s: id %d appears twice", path, key, id);
		(*names)[id] = xstrdup(name);
	}
	return 0;
}

int
labels_load(Labels *l, const char *path, Err *e)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	int rc = -1;

	memset(l, 0, sizeof *l);
	if (root == NULL) {
		if (je.line > 0)
			return err_set(e, "%s:%d: %s", path, je.line, je.text);
		return err_set(e, "%s: %s", path, je.text);
	}
	if (load_list(root, "categories", path, &l->cat, &l->ncat, e) == 0 &&
	    load_list(root, "attributes", path, &l->attr, &l->nattr, e) == 0)
		rc = 0;
	json_decref(root);
	if (rc == 0 && l->ncat == 0)
		rc = err_set(e, "%s: no categories", path);
	if (rc == 0)
		for (int i = 0; i < l->ncat; i++)
			if (l->cat[i] == NULL) {
				rc = err_set(e, "%s: category ids are not 0..%d: %d is "
				    "missing", path, l->ncat - 1, i);
				break;
			}
	if (rc < 0)
		labels_free(l);
	return rc;
}

const char *
labels_category(const Labels *l, int id)
{
	return id >= 0 && id < l->ncat && l->cat[id] ? l->cat[id] : "";
}

const char *
labels_attribute(const Labels *l, int id)
{
	return id >= 0 && id < l->nattr && l->attr[id] ? l->attr[id] : "";
}

int
labels_shipped_path(char *buf, size_t size)
{
	return path_shipped("label_descriptions.json", buf, size);
}

int
labels_open(Labels *l, const char *path, Err *e)
{
	char shipped[4096];

	if (path == NULL) {
		if (labels_shipped_path(shipped, sizeof shipped) != 0 ||
		    labels_load(l, shipped, e) < 0 || l->ncat > LABEL_MAX_CATEGORIES) {
			if (l->cat != NULL)
				labels_free(l);
			labels_default(l);
		}
		return 0;
	}
	if (labels_load(l, path, e) < 0)
		return -1;
	if (l->ncat > LABEL_MAX_CATEGORIES) {
		err_set(e, "%s: %d categories; label masks hold at most %d", path,
		    l->ncat, LABEL_MAX_CATEGORIES);
		labels_free(l);
		return -1;
	}
	return 0;
}
