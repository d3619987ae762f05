/*
 * evfile_bench.c - what following a rotation costs per event line: N
 * lines of 300 bytes through evfile_write() (an fstat() and a stat() of
 * the path before each write) and through a plain O_APPEND write(), into
 * DIR; prints microseconds per line for both.  Run by tests/bench/events_file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/exports/exports_int.h"
#include "clock.h"

enum { N = 20000, LEN = 300 };

static double per_line_us(int64_t t0, int64_t t1)
{
	return (double)(t1 - t0) / N / 1000.0;
}

int main(int argc, char **argv)
{
	char line[LEN + 1], a[512], b[512];
	struct evfile *f;
	int64_t t0, t1, t2, t3;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	snprintf(a, sizeof(a), "%s/evfile.jsonl", argv[1]);
	snprintf(b, sizeof(b), "%s/plain.jsonl", argv[1]);
	memset(line, 'x', LEN);
	line[LEN] = '\n';
	f = evfile_open(a, -1);
	fd = open(b, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (!f || fd < 0) {
		perror("open");
		return 1;
	}
	t0 = clock_now_ns();
	for (int i = 0; i < N; i++)
		evfile_write(f, line, LEN, t0);
	t1 = clock_now_ns();
	t2 = clock_now_ns();
	for (int i = 0; i < N; i++)
		if (write(fd, line, LEN + 1) != LEN + 1)
			return 1;
	t3 = clock_now_ns();
	printf("events file, %d lines of %d bytes: evfile_write %.2f us a "
	       "line (rotation check included), plain write() %.2f us\n",
	       N, LEN, per_line_us(t0, t1), per_line_us(t2, t3));
	evfile_close(f);
	close(fd);
	return 0;
}
