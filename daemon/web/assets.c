/* The console's static files, embedded at build time (cmake/embed_assets.cmake), looked up by
 * name with their Content-Type. */
#include "web.h"

#include <string.h>

struct web_asset_entry {
	const char *name;
	const char *data;
	size_t len;
};
extern const struct web_asset_entry web_assets[];

static const char *asset_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL)
		return "application/octet-stream";
	if (strcmp(dot, ".html") == 0)
		return "text/html; charset=utf-8";
	if (strcmp(dot, ".js") == 0)
		return "text/javascript; charset=utf-8";
	if (strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (strcmp(dot, ".svg") == 0)
		return "image/svg+xml";
	if (strcmp(dot, ".png") == 0)
		return "image/png";
	return "application/octet-stream";
}

const char *web_asset(const char *name, size_t *len, const char **type)
{
	for (const struct web_asset_entry *a = web_assets; a->name != NULL; a++)
		if (strcmp(a->name, name) == 0) {
			*len = a->len;
			*type = asset_type(name);
			return a->data;
		}
	return NULL;
}
