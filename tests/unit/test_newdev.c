/*
 * test_newdev.c - new devices: which frames name a MAC/IP pair, the state
 * file across a restart (written atomically, read back, hand-written and
 * broken lines), an unwritable state directory, the save rate limit and
 * the eviction of the pair seen longest ago.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_which_frames),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_hand_written_file),
		cmocka_unit_test(test_unwritable_dir),
		cmocka_unit_test(test_save_rate_limit),
		cmocka_unit_test(test_eviction),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
