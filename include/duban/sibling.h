/* sibling.h — the path of another duban program installed beside the running one (duband and
 * dubanweb run dubanctl as a child process for exports and imports; all three are installed
 * into one directory and built into one). */
#ifndef DUBAN_SIBLING_H
#define DUBAN_SIBLING_H

#include <stddef.h>

/* Writes "<directory of /proc/self/exe>/<name>" into out; 0, or -1 if unknown or too long. */
int sibling_path(const char *name, char *out, size_t len);

#endif
