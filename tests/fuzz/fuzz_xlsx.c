/* Fuzz target of the .xlsx reader (xlsx.c: libzip + libxml2's streaming reader): any bytes as
 * a workbook must give rows or an error, never a crash or a leak. The bytes go to a memfd,
 * read through its /proc/self/fd path. Built for libFuzzer (-DDUBAN_FUZZ=ON with clang) or run
 * over the corpus by corpus_main.c. */
#include "duban/xlsx.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_record rec;
	struct xlsx_reader *r;
	char path[64], err[512];
	int fd = memfd_create("fuzz.xlsx", 0);
	long rows = 0;

	if (fd < 0)
		return 0;
	if (size > 0 && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = xlsx_open(path, err, sizeof(err));
	if (r != NULL) {
		while (rows++ < 100000 && xlsx_next(r, &rec) > 0)
			;
		(void)xlsx_error(r);
		(void)xlsx_error_line(r);
		xlsx_close(r);
	}
	close(fd);
	return 0;
}
