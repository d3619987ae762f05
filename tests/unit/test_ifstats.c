/*
 * test_ifstats.c - reading an interface's counters and link state from a
 * sysfs tree: a made-up one in a temporary directory (the files the
 * kernel writes, including the ones that fail or say -1), and the real
 * loopback of this machine.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ifstats.h"

static char root[] = "/tmp/test_ifstats.XXXXXX";

static void put(const char *ifname, const char *attr, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, ifname);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/statistics", root, ifname);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", root, ifname, attr);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* An Ethernet port as the kernel shows it: link up at a gigabit. */
static void eth_up(const char *ifname)
{
	put(ifname, "statistics/rx_packets", "123456\n");
	put(ifname, "statistics/tx_packets", "654321\n");
	put(ifname, "statistics/rx_bytes", "18446744073709551615\n");
	put(ifname, "statistics/tx_bytes", "98765\n");
	put(ifname, "statistics/rx_errors", "7\n");
	put(ifname, "statistics/tx_errors", "0\n");
	put(ifname, "statistics/rx_dropped", "42\n");
	put(ifname, "statistics/tx_dropped", "1\n");
	put(ifname, "operstate", "up\n");
	put(ifname, "carrier", "1\n");
	put(ifname, "speed", "1000\n");
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_counters_and_link(void **state)
{
	struct ifstats s;

	(void)state;
	eth_up("eth1");
	assert_int_equal(ifstats_read(root, "eth1", &s), 0);
	assert_true(s.present);
	assert_int_equal(s.rx_packets, 123456);
	assert_int_equal(s.tx_packets, 654321);
	assert_true(s.rx_bytes == UINT64_MAX);
	assert_int_equal(s.tx_bytes, 98765);
	assert_int_equal(s.rx_errors, 7);
	assert_int_equal(s.tx_errors, 0);
	assert_int_equal(s.rx_dropped, 42);
	assert_int_equal(s.tx_dropped, 1);
	assert_string_equal(s.operstate, "up");
	assert_true(s.carrier);
	assert_int_equal(s.speed_mbps, 1000);
	assert_true(s.link_up);
}

/* A cable pulled: operstate down, and speed and carrier that cannot be
 * read (the kernel answers EINVAL; here the files are simply missing). */
static void test_link_down(void **state)
{
	struct ifstats s;
	char path[512];

	(void)state;
	eth_up("eth2");
	put("eth2", "operstate", "down\n");
	snprintf(path, sizeof(path), "%s/eth2/speed", root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/eth2/carrier", root);
	unlink(path);
	assert_int_equal(ifstats_read(root, "eth2", &s), 0);
	assert_true(s.present);
	assert_string_equal(s.operstate, "down");
	assert_false(s.carrier);
	assert_int_equal(s.speed_mbps, -1);
	assert_false(s.link_up);
	assert_int_equal(s.rx_packets, 123456);
}

/* Virtual and some USB drivers say "unknown" and -1: the carrier decides
 * the link, the speed is unknown. */
static void test_unknown_operstate(void **state)
{
	struct ifstats s;

	(void)state;
	eth_up("usb0");
	put("usb0", "operstate", "unknown\n");
	put("usb0", "speed", "-1\n");
	assert_int_equal(ifstats_read(root, "usb0", &s), 0);
	assert_true(s.link_up);
	assert_int_equal(s.speed_mbps, -1);
	put("usb0", "carrier", "0\n");
	assert_int_equal(ifstats_read(root, "usb0", &s), 0);
	assert_false(s.link_up);
	put("usb0", "operstate", "dormant\n");
	put("usb0", "carrier", "1\n");
	assert_int_equal(ifstats_read(root, "usb0", &s), 0);
	assert_false(s.link_up);
}

/* Garbage reads as 0, never as a huge counter. */
static void test_bad_values(void **state)
{
	struct ifstats s;

	(void)state;
	eth_up("eth3");
	put("eth3", "statistics/rx_packets", "-5\n");
	put("eth3", "statistics/tx_packets", "12abc\n");
	put("eth3", "statistics/rx_bytes", "99999999999999999999999\n");
	put("eth3", "statistics/tx_bytes", "");
	put("eth3", "speed", "fast\n");
	assert_int_equal(ifstats_read(root, "eth3", &s), 0);
	assert_int_equal(s.rx_packets, 0);
	assert_int_equal(s.tx_packets, 0);
	assert_int_equal(s.rx_bytes, 0);
	assert_int_equal(s.tx_bytes, 0);
	assert_int_equal(s.speed_mbps, -1);
	assert_int_equal(s.rx_errors, 7);
}

static void test_missing_interface(void **state)
{
	struct ifstats s;

	(void)state;
	errno = 0;
	assert_int_equal(ifstats_read(root, "eth9", &s), -1);
	assert_int_equal(errno, ENODEV);
	assert_false(s.present);
	assert_false(s.link_up);
	assert_int_equal(s.speed_mbps, -1);
	assert_int_equal(s.rx_packets, 0);
	/* names that would leave the directory are not interfaces */
	assert_int_equal(ifstats_read(root, "../tmp", &s), -1);
	assert_int_equal(ifstats_read(root, "", &s), -1);
}

/* The real thing: loopback exists everywhere and is "unknown" but up. */
static void test_real_loopback(void **state)
{
	struct ifstats s;

	(void)state;
	assert_int_equal(ifstats_read(NULL, "lo", &s), 0);
	assert_true(s.present);
	assert_true(s.operstate[0] != '\0');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters_and_link),
		cmocka_unit_test(test_link_down),
		cmocka_unit_test(test_unknown_operstate),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_missing_interface),
		cmocka_unit_test(test_real_loopback),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
