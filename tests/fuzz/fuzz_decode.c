/*
 * fuzz_decode.c - libFuzzer target: any bytes through decode_frame(),
 * account_frame() and names_frame(), as a frame from the wire would go;
 * the same bytes also go straight into the DHCP and mDNS parsers
 * (names_wire.c), whose facts feed a names table that lives across
 * inputs (it fills, merges and evicts).  decode_frame()'s
 * one-pass path for common frames must give what the layer-by-layer
 * decode_frame_full() gives: a difference aborts.
 *
 * Input: two bytes of "extra wire length" (big-endian; the frame was that
 * much longer on the wire than captured, 0xffff: the record claims less
 * on the wire than captured), then the captured bytes.  Two accounts live
 * across inputs, one with a tiny host bound (eviction) and one that grows
 * like replay's, so ticks, the readers and both table paths run too.
 * Built by `make fuzz` / `make fuzz-ci` (the end of the Makefile).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "account.h"
#include "decode.h"
#include "names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct account *acct, *acct_grow;
static struct names *names;
static int64_t now_ns;
static volatile uint64_t sink_out; /* keeps the readers' work alive */

static void learn(void *ctx, const struct names_fact *f)
{
	names_learn(names, f, *(const int64_t *)ctx);
}

/* The names of what was learned, looked up as the LCD and metrics do. */
static uint64_t touch_names(const struct frame_info *fi)
{
	struct names_entry e;
	const char *s =
		names_find_device(names, fi->src_mac, fi->family, fi->src);
	uint64_t sink = s ? strlen(s) : 0;

	for (size_t i = 0; i < NAMES_MAX; i += 17)
		if (names_get(names, i, &e))
			sink += strlen(e.name) + (size_t)e.source;
	return sink;
}

static void touch_host(const struct account_host *h, void *ctx)
{
	*(uint64_t *)ctx += h->bytes;
}

static void touch_service(const struct account_service *s, void *ctx)
{
	*(uint64_t *)ctx += s->packets + (s->name ? strlen(s->name) : 0);
}

/* A tiny daemon-style table (evicts) or a replay-style one (grows). */
static struct account *fuzz_account(bool grow)
{
	static const struct cidr nets[] = {
		{ .family = AF_INET, .addr = { 10 }, .prefix = 8 },
		{ .family = AF_INET6, .addr = { 0xfc }, .prefix = 7 },
	};
	struct account_params p = {
		.n_ifaces = 1,
		.local_nets = nets,
		.n_local_nets = 2,
		.max_hosts = grow ? 1 << 14 : 16,
		.max_services = grow ? 1 << 14 : 16,
		.grow = grow,
	};
	struct account *a = account_new(&p);

	if (!a)
		abort();
	return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_info fi, full;
	struct account_host top[4];
	uint32_t caplen, wire;
	uint64_t sink = 0;
	uint8_t *copy;

	if (!acct) {
		acct = fuzz_account(false);
		acct_grow = fuzz_account(true);
		names = names_new();
		if (!names)
			abort();
	}
	if (size < 2 || size - 2 > 65535)
		return 0;
	caplen = (uint32_t)(size - 2);
	wire = caplen + (uint32_t)(data[0] << 8 | data[1]);
	if (data[0] == 0xff && data[1] == 0xff)
		wire = caplen ? caplen - 1 : 0;
	/* an exact-size heap copy, so ASan sees any read past caplen */
	copy = malloc(caplen ? caplen : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 2, caplen);
	if (decode_frame(copy, caplen, wire, &fi) !=
		    decode_frame_full(copy, caplen, wire, &full) ||
	    !decode_same_facts(&fi, &full))
		abort();
	names_frame(names, copy, caplen, &fi, now_ns);
	names_parse_dhcp(copy, caplen, learn, &now_ns);
	names_parse_mdns(copy, caplen, learn, &now_ns);
	sink += touch_names(&fi);
	free(copy);
	account_frame(acct, 0, &fi, now_ns);
	account_frame(acct_grow, 0, &fi, now_ns);
	now_ns += 250000000;
	account_tick(acct, now_ns);
	if (fi.family)
		sink += (uint64_t)account_last_seen(acct, fi.family, fi.src);
	if ((now_ns / 250000000) % 64 == 0) {
		account_foreach_host(acct, touch_host, &sink);
		account_foreach_service(acct, touch_service, &sink);
		sink += account_top_hosts(acct, top, 4);
	}
	sink_out = sink;
	return 0;
}
