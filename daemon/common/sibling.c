/* The path of a duban program beside the running one (see duban/sibling.h). */
#include "duban/sibling.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int sibling_path(const char *name, char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;
	int w;

	if (n <= 0)
		return -1;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	w = snprintf(out, len, "%s/%s", self, name);
	return w >= 0 && (size_t)w < len ? 0 : -1;
}
