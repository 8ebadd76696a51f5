/* Fuzz target of the CSV reader (csv.c): any bytes, read record by record as UTF-8 or GBK with
 * block sizes down to one byte, must end in records or an error, never a crash or a leak.
 * Built for libFuzzer (-DDUBAN_FUZZ=ON with clang) or run over the corpus by corpus_main.c. */
#include "duban/csv.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The first byte picks the encoding and the block size; the rest is the file. */
	unsigned char knob = size > 0 ? data[0] : 0;
	const char *encoding = (knob & 1) != 0 ? "gbk" : NULL;
	struct csv_record rec;
	struct csv_reader *r;
	FILE *f;

	if (size > 0) {
		data++;
		size--;
	}
	f = size > 0 ? fmemopen((void *)data, size, "rb") : fopen("/dev/null", "rb");
	if (f == NULL)
		return 0;
	r = csv_open(f, encoding);
	if (r != NULL) {
		csv_set_block_size(r, (knob & 2) != 0 ? 1u + (knob >> 2) : 65536);
		csv_set_max_record(r, 1u << 16);
		while (csv_next(r, &rec) > 0)
			(void)csv_record_blank(&rec);
		(void)csv_error(r);
		(void)csv_error_line(r);
		csv_close(r);
	}
	fclose(f);
	return 0;
}
