/*
 * test_newdev.c - new devices: which frames name a MAC/IP pair, the state
 * file across a restart (written atomically, read back, hand-written and
 * broken lines, lines too long), an unwritable state directory and a
 * failed save retried, the save rate limit and
 * the eviction of the pair seen longest ago: after updates, after a load
 * (in last_seen order, whatever the order of the file), from a file
 * larger than the table, after the wall clock steps back, and under a
 * flood of new pairs against a model of the rule.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "newdev.h"

#define T0   (5000 * NS_PER_S)
#define WALL 1790000000 /* epoch seconds, late 2026 */

static char dir[] = "/tmp/test_newdev.XXXXXX";
static char file[256];
static struct cidr lan;

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static const uint8_t *ip4(const char *s)
{
	static uint8_t buf[4][16];
	static int k;
	uint8_t *b = buf[k++ % 4];

	memset(b, 0, 16);
	assert_int_equal(inet_pton(AF_INET, s, b), 1);
	return b;
}

static struct newdev *open_nd(const char *state_dir, size_t max)
{
	struct newdev_params p = {
		.state_dir = state_dir,
		.max_pairs = max,
		.local_nets = &lan,
		.n_local_nets = 1,
	};
	struct newdev *nd = newdev_open(&p);

	assert_non_null(nd);
	return nd;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(file, sizeof(file), "%s/%s", dir, NEWDEV_FILE);
	lan.family = AF_INET;
	lan.prefix = 24;
	inet_pton(AF_INET, "192.168.1.0", lan.addr);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static struct frame_info ipv4_frame(const uint8_t mac[6], const char *src)
{
	struct frame_info fi = { .l3 = L3_IPV4,
				 .family = AF_INET,
				 .proto = 17 };

	memcpy(fi.src_mac, mac, 6);
	memcpy(fi.src, ip4(src), 4);
	return fi;
}

static void test_which_frames(void **state)
{
	struct newdev *nd = open_nd(NULL, 0);
	struct frame_info fi = ipv4_frame(mac_a, "192.168.1.10");
	struct frame_info arp = { .l3 = L3_ARP, .family = AF_INET };
	static const uint8_t mcast[6] = { 0x01, 0, 0x5e, 0, 0, 1 };

	(void)state;
	assert_int_equal(newdev_frame(nd, &fi, T0, WALL), 1);
	assert_int_equal(newdev_frame(nd, &fi, T0, WALL), 0);
	/* the same MAC with a second address is a new pair */
	fi = ipv4_frame(mac_a, "192.168.1.11");
	assert_int_equal(newdev_frame(nd, &fi, T0, WALL), 1);
	/* not ours: a remote source behind the router */
	fi = ipv4_frame(mac_b, "8.8.8.8");
	assert_int_equal(newdev_frame(nd, &fi, T0, WALL), 0);
	fi = ipv4_frame(mcast, "192.168.1.12");
	assert_int_equal(newdev_frame(nd, &fi, T0, WALL), 0);
	fi = ipv4_frame(mac_b, "192.168.1.12");
	fi.malformed = true;
	assert_int_equal(newdev_frame(nd, &fi, T0, WALL), 0);
	/* ARP names its sender, whatever the network, but not a probe */
	memcpy(arp.arp_sha, mac_b, 6);
	memcpy(arp.src, ip4("0.0.0.0"), 4);
	assert_int_equal(newdev_frame(nd, &arp, T0, WALL), 0);
	memcpy(arp.src, ip4("169.254.3.4"), 4);
	assert_int_equal(newdev_frame(nd, &arp, T0, WALL + 5), 1);
	assert_non_null(newdev_last(nd));
	assert_memory_equal(newdev_last(nd)->mac, mac_b, 6);
	assert_int_equal(newdev_last(nd)->first_seen, WALL + 5);
	newdev_close(nd, T0);
}

/* Everything seen survives a restart; the second run has no events. */
static void test_round_trip(void **state)
{
	struct newdev_counts c;
	struct newdev *nd = open_nd(dir, 0);
	const struct newdev_pair *p;
	uint8_t v6[16];

	(void)state;
	inet_pton(AF_INET6, "fd00::1", v6);
	assert_int_equal(
		newdev_seen(nd, mac_a, AF_INET, ip4("192.168.1.10"), T0, WALL),
		1);
	assert_int_equal(newdev_seen(nd, mac_b, AF_INET6, v6, T0, WALL + 1), 1);
	assert_int_equal(newdev_seen(nd, mac_a, AF_INET, ip4("192.168.1.10"),
				     T0, WALL + 100),
			 0);
	newdev_close(nd, T0);
	assert_string_equal(slurp(file),
			    "# pilotlight known devices: mac, ip, first and "
			    "last seen (epoch s)\n"
			    "02:00:00:00:00:0a\t192.168.1.10\t1790000000\t"
			    "1790000100\n"
			    "02:00:00:00:00:0b\tfd00::1\t1790000001\t"
			    "1790000001\n");
	nd = open_nd(dir, 0);
	newdev_counts(nd, &c);
	assert_int_equal(c.known, 2);
	assert_int_equal(c.events, 0);
	p = newdev_find(nd, mac_b, AF_INET6, v6);
	assert_non_null(p);
	assert_int_equal(p->first_seen, WALL + 1);
	assert_int_equal(newdev_seen(nd, mac_b, AF_INET6, v6, T0, WALL + 9), 0);
	assert_null(newdev_last(nd));
	newdev_close(nd, T0);
	unlink(file);
}

/* Lines written by hand may lack last_seen; broken ones are skipped. */
static void test_hand_written_file(void **state)
{
	struct newdev_counts c;
	struct newdev *nd;
	FILE *f = fopen(file, "w");

	(void)state;
	assert_non_null(f);
	fputs("# my printers\n\n"
	      "02:00:00:00:00:0a\t192.168.1.10\t1700000000\n"
	      "02:00:00:00:00:0b 192.168.1.11 1700000000\n"
	      "02:00:00:00:00:0c\t192.168.1.300\t1700000000\n"
	      "02:00:00:00:00\t192.168.1.12\t1700000000\n"
	      "02:00:00:00:00:0d\t192.168.1.13\t-4\n"
	      "02:00:00:00:00:0e\t192.168.1.14\t1700000000\t1700000500\n",
	      f);
	fclose(f);
	nd = open_nd(dir, 0);
	newdev_counts(nd, &c);
	assert_int_equal(c.known, 2);
	assert_int_equal(
		newdev_find(nd, mac_a, AF_INET, ip4("192.168.1.10"))->last_seen,
		1700000000);
	assert_int_equal(
		newdev_seen(nd, mac_a, AF_INET, ip4("192.168.1.10"), T0, WALL),
		0);
	newdev_close(nd, T0);
	unlink(file);
}

/* A state directory that cannot be written: logged, detection goes on. */
static void test_unwritable_dir(void **state)
{
	char notdir[300];
	struct newdev_counts c;
	struct newdev *nd;
	FILE *f;

	(void)state;
	/* root writes anywhere, so use a path below a regular file */
	snprintf(notdir, sizeof(notdir), "%s/plain-file", dir);
	f = fopen(notdir, "w");
	assert_non_null(f);
	fclose(f);
	nd = open_nd(notdir, 0);
	assert_int_equal(
		newdev_seen(nd, mac_a, AF_INET, ip4("192.168.1.10"), T0, WALL),
		1);
	errno = 0;
	assert_int_equal(newdev_save(nd, T0), -1);
	assert_int_equal(errno, ENOTDIR);
	newdev_counts(nd, &c);
	assert_true(c.save_failing);
	assert_int_equal(c.saves, 0);
	assert_int_equal(
		newdev_seen(nd, mac_b, AF_INET, ip4("192.168.1.11"), T0, WALL),
		1);
	assert_int_equal(
		newdev_seen(nd, mac_b, AF_INET, ip4("192.168.1.11"), T0, WALL),
		0);
	newdev_counts(nd, &c);
	assert_int_equal(c.known, 2);
	assert_int_equal(c.events, 2);
	newdev_close(nd, T0);
	unlink(notdir);
}

/* At most one write per interval while new pairs keep coming. */
static void test_save_rate_limit(void **state)
{
	struct newdev_counts c;
	struct newdev *nd = open_nd(dir, 0);
	char ip[32];
	int s;

	(void)state;
	for (s = 0; s < 130; s++) {
		snprintf(ip, sizeof(ip), "192.168.1.%d", s + 1);
		newdev_seen(nd, mac_a, AF_INET, ip4(ip), T0 + s * NS_PER_S,
			    WALL + s);
		newdev_tick(nd, T0 + s * NS_PER_S);
	}
	newdev_counts(nd, &c);
	/* at 0 s, 60 s and 120 s */
	assert_int_equal(c.saves, 3);
	/* nothing new: no more writes */
	for (s = 130; s < 300; s++)
		newdev_tick(nd, T0 + s * NS_PER_S);
	newdev_counts(nd, &c);
	assert_int_equal(c.saves, 4);
	newdev_close(nd, T0 + 300 * NS_PER_S);
	nd = open_nd(dir, 0);
	newdev_counts(nd, &c);
	assert_int_equal(c.known, 130);
	newdev_close(nd, T0);
	unlink(file);
}

/* A full table drops the pair seen longest ago. */
static void test_eviction(void **state)
{
	struct newdev_counts c;
	struct newdev *nd = open_nd(NULL, 4);

	(void)state;
	newdev_seen(nd, mac_a, AF_INET, ip4("192.168.1.1"), T0, WALL + 1);
	newdev_seen(nd, mac_a, AF_INET, ip4("192.168.1.2"), T0, WALL + 2);
	newdev_seen(nd, mac_a, AF_INET, ip4("192.168.1.3"), T0, WALL + 3);
	newdev_seen(nd, mac_a, AF_INET, ip4("192.168.1.4"), T0, WALL + 4);
	/* .1 is seen again, so .2 is now the oldest */
	newdev_seen(nd, mac_a, AF_INET, ip4("192.168.1.1"), T0, WALL + 5);
	assert_int_equal(newdev_seen(nd, mac_b, AF_INET, ip4("192.168.1.5"), T0,
				     WALL + 6),
			 1);
	newdev_counts(nd, &c);
	assert_int_equal(c.known, 4);
	assert_int_equal(c.evicted, 1);
	assert_null(newdev_find(nd, mac_a, AF_INET, ip4("192.168.1.2")));
	assert_non_null(newdev_find(nd, mac_a, AF_INET, ip4("192.168.1.1")));
	assert_non_null(newdev_find(nd, mac_b, AF_INET, ip4("192.168.1.5")));
	/* an evicted pair that comes back is new again */
	assert_int_equal(newdev_seen(nd, mac_a, AF_INET, ip4("192.168.1.2"), T0,
				     WALL + 7),
			 1);
	assert_null(newdev_find(nd, mac_a, AF_INET, ip4("192.168.1.3")));
	newdev_close(nd, T0);
}

/* 10.x.y.z from n, as newdev_seen() takes it. */
static const uint8_t *ip_n(uint32_t n)
{
	static uint8_t b[16];

	memset(b, 0, sizeof(b));
	b[0] = 10;
	b[1] = (uint8_t)(n >> 16);
	b[2] = (uint8_t)(n >> 8);
	b[3] = (uint8_t)n;
	return b;
}

static bool known_n(const struct newdev *nd, uint32_t n)
{
	return newdev_find(nd, mac_a, AF_INET, ip_n(n)) != NULL;
}

static void write_file(const char *text)
{
	FILE *f = fopen(file, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A loaded table evicts by last_seen, not by the order of the file (ties:
 * the earlier line first); a loaded pair seen again is the newest. */
static void test_eviction_after_load(void **state)
{
	struct newdev *nd;

	(void)state;
	write_file("02:00:00:00:00:0a\t10.0.0.1\t1700000000\t1700000400\n"
		   "02:00:00:00:00:0a\t10.0.0.2\t1700000000\t1700000100\n"
		   "02:00:00:00:00:0a\t10.0.0.3\t1700000000\t1700000300\n"
		   "02:00:00:00:00:0a\t10.0.0.4\t1700000000\t1700000100\n");
	nd = open_nd(dir, 4);
	/* .2 is seen: .4, .3, .1 are the oldest now, in that order */
	assert_int_equal(newdev_seen(nd, mac_a, AF_INET, ip_n(2), T0, WALL), 0);
	assert_int_equal(newdev_seen(nd, mac_a, AF_INET, ip_n(5), T0, WALL), 1);
	assert_false(known_n(nd, 4));
	assert_true(known_n(nd, 1) && known_n(nd, 2) && known_n(nd, 3));
	newdev_seen(nd, mac_a, AF_INET, ip_n(6), T0, WALL);
	assert_false(known_n(nd, 3));
	newdev_seen(nd, mac_a, AF_INET, ip_n(7), T0, WALL);
	assert_false(known_n(nd, 1));
	newdev_seen(nd, mac_a, AF_INET, ip_n(8), T0, WALL + 1);
	assert_false(known_n(nd, 2));
	assert_true(known_n(nd, 5) && known_n(nd, 6) && known_n(nd, 7) &&
		    known_n(nd, 8));
	newdev_close(nd, T0);
	/* what was saved loads back in the same order: 5, 6, 7, then 8 */
	nd = open_nd(dir, 4);
	newdev_seen(nd, mac_a, AF_INET, ip_n(6), T0, WALL + 2);
	newdev_seen(nd, mac_a, AF_INET, ip_n(9), T0, WALL + 2);
	newdev_seen(nd, mac_a, AF_INET, ip_n(10), T0, WALL + 2);
	assert_false(known_n(nd, 5) || known_n(nd, 7));
	assert_true(known_n(nd, 6) && known_n(nd, 8));
	newdev_close(nd, T0);
	unlink(file);
}

/* A file with more pairs than the table: the newest stay, and the file
 * is rewritten with them. */
static void test_file_beyond_cap(void **state)
{
	struct newdev_counts c;
	struct newdev *nd;
	char *text;
	int lines = 0;

	(void)state;
	write_file("02:00:00:00:00:0a\t10.0.0.1\t1700000000\t1700000600\n"
		   "02:00:00:00:00:0a\t10.0.0.2\t1700000000\t1700000100\n"
		   "02:00:00:00:00:0a\t10.0.0.3\t1700000000\t1700000500\n"
		   "02:00:00:00:00:0a\t10.0.0.4\t1700000000\t1700000050\n"
		   "02:00:00:00:00:0a\t10.0.0.5\t1700000000\t1700000200\n"
		   "02:00:00:00:00:0a\t10.0.0.6\t1700000000\t1700000700\n");
	nd = open_nd(dir, 3);
	newdev_counts(nd, &c);
	assert_int_equal(c.known, 3);
	assert_int_equal(c.evicted, 0);
	assert_true(known_n(nd, 1) && known_n(nd, 3) && known_n(nd, 6));
	/* and they go oldest first: 3, 1, 6 */
	newdev_seen(nd, mac_a, AF_INET, ip_n(7), T0, WALL);
	assert_false(known_n(nd, 3));
	newdev_seen(nd, mac_a, AF_INET, ip_n(8), T0, WALL);
	assert_false(known_n(nd, 1));
	assert_true(known_n(nd, 6));
	newdev_close(nd, T0);
	for (text = slurp(file); (text = strchr(text, '\n')); text++)
		lines++;
	assert_int_equal(lines, 1 + 3);
	unlink(file);
}

/* After the wall clock steps back, the pair the daemon saw longest ago
 * still goes first, though a newer one carries an older time. */
static void test_clock_steps_back(void **state)
{
	struct newdev *nd = open_nd(NULL, 3);

	(void)state;
	newdev_seen(nd, mac_a, AF_INET, ip_n(1), T0, WALL + 100);
	newdev_seen(nd, mac_a, AF_INET, ip_n(2), T0, WALL + 200);
	newdev_seen(nd, mac_a, AF_INET, ip_n(3), T0, WALL - 3600);
	newdev_seen(nd, mac_a, AF_INET, ip_n(4), T0, WALL - 3599);
	assert_false(known_n(nd, 1));
	assert_true(known_n(nd, 2) && known_n(nd, 3) && known_n(nd, 4));
	/* .2 seen again after the step: .3 is the one seen longest ago */
	newdev_seen(nd, mac_a, AF_INET, ip_n(2), T0, WALL - 3598);
	newdev_seen(nd, mac_a, AF_INET, ip_n(5), T0, WALL - 3598);
	assert_false(known_n(nd, 3));
	assert_int_equal(newdev_find(nd, mac_a, AF_INET, ip_n(2))->last_seen,
			 WALL - 3598);
	newdev_close(nd, T0);
}

/* The rule as a plain scan: the lowest last_seen, ties to the pair seen
 * first (by a counter of sightings). */
struct model {
	uint32_t n[256];
	int64_t last_seen[256];
	uint64_t seen_at[256];
	int used;
	uint64_t clock;
};

/* 1 when n is new, as newdev_seen(). */
static int model_seen(struct model *m, int cap, uint32_t n, int64_t wall_s)
{
	int i, old = 0, is_new;

	for (i = 0; i < m->used && m->n[i] != n; i++)
		;
	is_new = i == m->used;
	if (is_new && m->used == cap) {
		for (i = 1; i < m->used; i++)
			if (m->last_seen[i] < m->last_seen[old] ||
			    (m->last_seen[i] == m->last_seen[old] &&
			     m->seen_at[i] < m->seen_at[old]))
				old = i;
		i = old;
	} else if (i == m->used) {
		m->used++;
	}
	m->n[i] = n;
	m->last_seen[i] = wall_s;
	m->seen_at[i] = m->clock++;
	return is_new;
}

/* A flood of new pairs on a full table, with some known pairs still
 * talking: every frame is an event exactly when the rule says so, and the
 * table holds what the rule keeps. */
static void test_flood(void **state)
{
	enum { CAP = 256, FRAMES = 20000 };
	static struct model m;
	struct newdev_counts c;
	struct newdev *nd = open_nd(NULL, CAP);
	uint32_t x = 12345, n, next_new = 0;
	int64_t wall = WALL;

	(void)state;
	memset(&m, 0, sizeof(m));
	for (int f = 0; f < FRAMES; f++) {
		x = x * 1103515245u + 12345u;
		/* mostly new hosts; now and then one of the first 64, or a
		 * recent one; the clock ticks every 50 frames */
		if ((x >> 16) % 8 == 0)
			n = (x >> 8) % 64;
		else if ((x >> 16) % 8 == 1 && next_new > 100)
			n = next_new - 1 - (x >> 4) % 100;
		else
			n = next_new++;
		if (f % 50 == 0)
			wall++;
		assert_int_equal(
			newdev_seen(nd, mac_a, AF_INET, ip_n(n), T0, wall),
			model_seen(&m, CAP, n, wall));
	}
	newdev_counts(nd, &c);
	assert_int_equal(c.known, CAP);
	assert_int_equal(m.used, CAP);
	for (int i = 0; i < CAP; i++) {
		const struct newdev_pair *p =
			newdev_find(nd, mac_a, AF_INET, ip_n(m.n[i]));

		assert_non_null(p);
		assert_int_equal(p->last_seen, m.last_seen[i]);
	}
	newdev_close(nd, T0);
}

/* The full default table under 100 000 new pairs: the newest stay. */
static void test_flood_default_table(void **state)
{
	enum { FLOOD = 100000 };
	struct newdev_counts c;
	struct newdev *nd = open_nd(NULL, 0);

	(void)state;
	for (uint32_t n = 0; n < FLOOD; n++)
		assert_int_equal(newdev_seen(nd, mac_a, AF_INET, ip_n(n), T0,
					     WALL + n / 20000),
				 1);
	newdev_counts(nd, &c);
	assert_int_equal(c.known, NEWDEV_MAX_PAIRS);
	assert_int_equal(c.evicted, FLOOD - NEWDEV_MAX_PAIRS);
	assert_false(known_n(nd, FLOOD - NEWDEV_MAX_PAIRS - 1));
	for (uint32_t n = FLOOD - NEWDEV_MAX_PAIRS; n < FLOOD; n++)
		assert_true(known_n(nd, n));
	newdev_close(nd, T0);
}

/* A line longer than NEWDEV_LINE_MAX is skipped whole, even when its
 * tail past the limit reads as a pair; so is a malformed line. */
static void test_long_and_malformed_lines(void **state)
{
	char line[400];
	struct newdev_counts c;
	struct newdev *nd;
	FILE *f = fopen(file, "w");
	int pad;

	(void)state;
	assert_non_null(f);
	/* "#xxx...x" up to the old 255-byte buffer, then a pair */
	pad = snprintf(line, sizeof(line), "#%0254d", 0);
	snprintf(line + pad, sizeof(line) - (size_t)pad,
		 "02:00:00:00:00:0b\t192.168.1.11\t1700000000");
	assert_true(strlen(line) > NEWDEV_LINE_MAX);
	fprintf(f,
		"02:00:00:00:00:0a\t192.168.1.10\t1700000000\n"
		"%s\n"
		"02:00:00:00:00:0c 192.168.1.12\n"
		"02:00:00:00:00:0d\t192.168.1.13\t1700000000\n",
		line);
	fclose(f);
	nd = open_nd(dir, 0);
	newdev_counts(nd, &c);
	assert_int_equal(c.known, 2);
	assert_non_null(newdev_find(nd, mac_a, AF_INET, ip4("192.168.1.10")));
	assert_null(newdev_find(nd, mac_b, AF_INET, ip4("192.168.1.11")));
	newdev_close(nd, T0);
	/* the file was cleaned up: the long line is gone */
	assert_null(strstr(slurp(file), "0000000000"));
	unlink(file);
}

/* A save that fails keeps the count of pairs at risk and is retried
 * after NEWDEV_RETRY_MIN_S, doubling; when the directory is back the
 * retry saves them. */
static void test_failed_save_retried(void **state)
{
	char sub[300];
	struct newdev_counts c;
	struct newdev *nd;
	int64_t t = T0;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/later", dir);
	nd = open_nd(sub, 0);
	newdev_seen(nd, mac_a, AF_INET, ip4("192.168.1.10"), t, WALL);
	newdev_seen(nd, mac_b, AF_INET, ip4("192.168.1.11"), t, WALL);
	assert_int_equal(newdev_save(nd, t), -1);
	assert_int_equal(errno, ENOENT);
	newdev_counts(nd, &c);
	assert_true(c.save_failing);
	assert_int_equal(c.unsaved, 2);
	newdev_tick(nd, t += NEWDEV_RETRY_MIN_S * NS_PER_S); /* fails again */
	assert_int_equal(mkdir(sub, 0700), 0);
	/* the wait has doubled: not yet */
	newdev_tick(nd, t + NEWDEV_RETRY_MIN_S * NS_PER_S);
	newdev_counts(nd, &c);
	assert_int_equal(c.saves, 0);
	newdev_tick(nd, t + 2 * NEWDEV_RETRY_MIN_S * NS_PER_S);
	newdev_counts(nd, &c);
	assert_int_equal(c.saves, 1);
	assert_false(c.save_failing);
	assert_int_equal(c.unsaved, 0);
	newdev_close(nd, t);
	snprintf(sub, sizeof(sub), "%s/later/%s", dir, NEWDEV_FILE);
	assert_non_null(strstr(slurp(sub), "192.168.1.11"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_which_frames),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_hand_written_file),
		cmocka_unit_test(test_unwritable_dir),
		cmocka_unit_test(test_long_and_malformed_lines),
		cmocka_unit_test(test_failed_save_retried),
		cmocka_unit_test(test_save_rate_limit),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_eviction_after_load),
		cmocka_unit_test(test_file_beyond_cap),
		cmocka_unit_test(test_clock_steps_back),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_flood_default_table),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
