#include "gallery.h"

#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "palette.h"
#include "xalloc.h"

void
picture_free(Picture *p)
{
	free(p->rgb);
	p->rgb = NULL;
}

/* Copies src into dst at column x0, row y0 (dst is wide enough). */
static void
paste(Picture *dst, const uint8_t *src, int h, int w, int y0, int x0)
{
	for (int y = 0; y < h; y++)
		memcpy(dst->rgb + ((size_t)(y0 + y) * dst->width + x0) * 3,
		    src + (size_t)y * w * 3, (size_t)w * 3);
}

int
gallery_row(const char *photo, const uint8_t *truth, const uint8_t *pred,
    int mask_h, int mask_w, int height, float alpha, Picture *out, Err *e)
{
	int w = (int)((double)mask_w * height / mask_h + 0.5);
	uint8_t *rgb;

	if (w < 1)
		w = 1;
	if (photo_load_resized(photo, height, w, &rgb, e) < 0)
		return -1;
	gallery_panels(rgb, height, w, truth, pred, mask_h, mask_w, alpha, out);
	free(rgb);
	return 0;
}

void
gallery_panels(const uint8_t *rgb, int height, int w, const uint8_t *truth,
    const uint8_t *pred, int mask_h, int mask_w, float alpha, Picture *out)
{
	size_t npix = (size_t)height * w, bytes = npix * 3;
	uint8_t *lab = xmalloc(npix), *panel = xmalloc(bytes);

	out->height = height;
	out->width = 3 * w + 2 * GALLERY_GAP;
	out->rgb = xmalloc((size_t)out->height * out->width * 3);
	memset(out->rgb, 255, (size_t)out->height * out->width * 3);
	paste(out, rgb, height, w, 0, 0);
	for (int k = 0; k < 2; k++) {
		mask_resize_nearest(k == 0 ? truth : pred, mask_h, mask_w, lab,
		    height, w, (size_t)w);
		memcpy(panel, rgb, bytes);
		palette_blend(panel, lab, npix, alpha);
		paste(out, panel, height, w, 0, (k + 1) * (w + GALLERY_GAP));
	}
	free(lab);
	free(panel);
}

void
gallery_sheet(const Picture *rows, size_t n, Picture *out)
{
	int y = 0;

	out->width = 1;
	out->height = 0;
	for (size_t i = 0; i < n; i++) {
		if (rows[i].width > out->width)
			out->width = rows[i].width;
		out->height += rows[i].height + (i ? GALLERY_GAP : 0);
	}
	if (out->height == 0)
		out->height = 1;
	out->rgb = xmalloc((size_t)out->height * out->width * 3);
	memset(out->rgb, 255, (size_t)out->height * out->width * 3);
	for (size_t i = 0; i < n; i++) {
		paste(out, rows[i].rgb, rows[i].height, rows[i].width, y, 0);
		y += rows[i].height + GALLERY_GAP;
	}
}

/* Text for HTML: &, <, > and " escaped. */
static void
html_text(FILE *fp, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		default: fputc(*s, fp);
		}
}

static const char html_check[] =
    "<script>\n"
    "window.addEventListener('load', function () {\n"
    "  var imgs = document.images, ok = 0;\n"
    "  for (var i = 0; i < imgs.length; i++)\n"
    "    if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++;\n"
    "  document.body.setAttribute('data-loaded', ok + '/' + imgs.length);\n"
    "  document.getElementById('status').textContent = ok == imgs.length ?\n"
    "    'all ' + ok + ' pictures loaded' : (imgs.length - ok) + ' pictures missing';\n"
    "});\n"
    "</script>\n";

void
gallery_html(FILE *fp, const char *title, const GalleryEntry *rows, size_t n,
    const char *const *names, int ncat)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<title>", fp);
	html_text(fp, title);
	fputs("</title>\n<style>\n"
	    "body { font-family: sans-serif; margin: 1em; }\n"
	    "td { padding: 4px; vertical-align: middle; }\n"
	    ".sw { display: inline-block; width: 1em; height: 1em; "
	    "vertical-align: middle; margin-right: 0.3em; }\n"
	    ".legend span.item { display: inline-block; margin: 0 1em 0.3em 0; "
	    "font-size: 90%; }\n"
	    "</style>\n", fp);
	fputs(html_check, fp);
	fputs("</head>\n<body>\n<h1>", fp);
	html_text(fp, title);
	fputs("</h1>\n<p id=\"status\"></p>\n"
	    "<p>Each row: the photo, the truth over it, the prediction over "
	    "it.</p>\n<div class=\"legend\">\n", fp);
	for (int c = 0; c < ncat && c + 1 < PALETTE_SIZE; c++) {
		const uint8_t *rgb = palette_rgb[c + 1];

		fprintf(fp, "<span class=\"item\"><span class=\"sw\" style=\""
		    "background: #%02x%02x%02x\"></span>%d ", rgb[0], rgb[1],
		    rgb[2], c);
		html_text(fp, names[c] && *names[c] ? names[c] : "");
		fputs("</span>\n", fp);
	}
	fputs("</div>\n<table>\n<tr><th>image</th><th>pixel accuracy</th>"
	    "<th>mean IoU</th><th>photo | truth | prediction</th></tr>\n", fp);
	for (size_t i = 0; i < n; i++) {
		fputs("<tr><td>", fp);
		html_text(fp, rows[i].stem);
		fprintf(fp, "</td><td>%.3f</td><td>%.3f</td><td><img src=\"",
		    rows[i].pixel_acc, rows[i].mean_iou);
		html_text(fp, rows[i].stem);
		fputs(".png\" alt=\"", fp);
		html_text(fp, rows[i].stem);
		fputs("\"></td></tr>\n", fp);
	}
	fputs("</table>\n</body>\n</html>\n", fp);
}
