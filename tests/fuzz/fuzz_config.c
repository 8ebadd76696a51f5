/* Fuzz target of the config parser (config.c, config_lint.c, inih): any bytes as
 * duband.conf must load or be refused with "FILE:LINE: message", never crash or leak.
 * Built for libFuzzer (-DDUBAN_FUZZ=ON with clang) or run over the corpus by corpus_main.c. */
#include "duban/config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct duban_config cfg;
	char err[1024];

	if (config_load_text(&cfg, "fuzz.conf", (const char *)data, size, err, sizeof(err)) == 0) {
		config_free(&cfg);
		return 0;
	}
	/* every refusal names the file and a line */
	if (strncmp(err, "fuzz.conf:", 10) != 0 && strcmp(err, "out of memory") != 0)
		abort();
	return 0;
}
