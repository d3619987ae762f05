/*
 * replay.c - `--replay FILE --report json`: a capture file through the
 * same decode → account pipeline as live traffic, then one JSON document:
 *
 *   {"frames", "bytes", "malformed", "vlan", "arp", "ipv4", "ipv6",
 *    "protocols": {"tcp"|"udp"|"icmp": {"packets", "bytes"}},
 *    "services": {"tcp/443": {"name", "packets", "bytes"}},
 *    "hosts": {"192.0.2.1": {"packets", "bytes"}}}
 *
 * Services and hosts are listed heaviest first.  Used by the tests to
 * check the decoder against captures of known content and by the bench.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "account.h"
#include "clock.h"
#include "decode.h"
#include "json.h"
#include "replay.h"

#define REPLAY_MAX_SERVICES ((size_t)1 << 17) /* every tcp+udp port */
#define REPLAY_READ_BUF	    (1 << 20)
/* Any fixed value: the same file gives the same tables, the same
 * evictions past --max-hosts, the same report.  A file is the operator's
 * own capture; one made against this seed can only make its own hosts
 * evict each other (toptable.c), not slow the replay down. */
#define REPLAY_SEED UINT64_C(0x706c742d7265706c)

static const char *const default_nets[] = {
	"10.0.0.0",
	"172.16.0.0",
	"192.168.0.0",
	"fc00::",
};
static const int default_prefix[] = { 8, 12, 16, 7 };

struct replay {
	struct account *acct;
	int64_t next_tick_ns; /* capture time of the next rate tick */
	struct frame_info fi; /* the frame being counted */
};

static void replay_frame(u_char *user, const struct pcap_pkthdr *h,
			 const u_char *data)
{
	struct replay *r = (struct replay *)user;
	int64_t now_ns = (int64_t)h->ts.tv_sec * NS_PER_S + h->ts.tv_usec;

	decode_frame(data, h->caplen, h->len, &r->fi);
	account_frame(r->acct, 0, &r->fi, now_ns);
	if (now_ns >= r->next_tick_ns || now_ns < r->next_tick_ns - NS_PER_S) {
		account_tick(r->acct, now_ns);
		r->next_tick_ns = now_ns + NS_PER_S;
	}
}

/* ---- report ---------------------------------------------------------- */

struct collect {
	struct account_host *hosts;
	struct account_service *svcs;
	size_t n, cap;
};

static void count_host(const struct account_host *h, void *ctx)
{
	(void)h;
	((struct collect *)ctx)->cap++;
}

static void take_host(const struct account_host *h, void *ctx)
{
	struct collect *c = ctx;

	if (c->n < c->cap)
		c->hosts[c->n++] = *h;
}

static void count_service(const struct account_service *s, void *ctx)
{
	(void)s;
	((struct collect *)ctx)->cap++;
}

static void take_service(const struct account_service *s, void *ctx)
{
	struct collect *c = ctx;

	if (c->n < c->cap)
		c->svcs[c->n++] = *s;
}

static int host_cmp(const void *x, const void *y)
{
	const struct account_host *a = x, *b = y;

	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	if (a->family != b->family)
		return a->family - b->family;
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

static int service_cmp(const void *x, const void *y)
{
	const struct account_service *a = x, *b = y;

	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	if (a->proto != b->proto)
		return a->proto - b->proto;
	return a->port - b->port;
}

static void print_pair(FILE *out, const char *key, uint64_t packets,
		       uint64_t bytes, const char *sep)
{
	fprintf(out,
		"    \"%s\": {\"packets\": %" PRIu64 ", \"bytes\": %" PRIu64
		"}%s\n",
		key, packets, bytes, sep);
}

static int print_services(FILE *out, const struct account *a)
{
	struct collect c = { 0 };
	size_t i;

	account_foreach_service(a, count_service, &c);
	c.svcs = calloc(c.cap ? c.cap : 1, sizeof(*c.svcs));
	if (!c.svcs)
		return -1;
	account_foreach_service(a, take_service, &c);
	qsort(c.svcs, c.n, sizeof(*c.svcs), service_cmp);
	fprintf(out, "  \"services\": {\n");
	for (i = 0; i < c.n; i++) {
		const struct account_service *s = &c.svcs[i];

		fprintf(out, "    \"%s/%u\": {\"name\": ",
			s->proto == IPPROTO_TCP ? "tcp" : "udp", s->port);
		json_write_string(out, s->name);
		fprintf(out,
			", \"packets\": %" PRIu64 ", \"bytes\": %" PRIu64
			"}%s\n",
			s->packets, s->bytes, i + 1 < c.n ? "," : "");
	}
	fprintf(out, "  },\n");
	free(c.svcs);
	return 0;
}

static int print_hosts(FILE *out, const struct account *a)
{
	struct collect c = { 0 };
	char buf[INET6_ADDRSTRLEN];
	size_t i;

	account_foreach_host(a, count_host, &c);
	c.hosts = calloc(c.cap ? c.cap : 1, sizeof(*c.hosts));
	if (!c.hosts)
		return -1;
	account_foreach_host(a, take_host, &c);
	qsort(c.hosts, c.n, sizeof(*c.hosts), host_cmp);
	fprintf(out, "  \"hosts\": {\n");
	for (i = 0; i < c.n; i++) {
		const struct account_host *h = &c.hosts[i];

		inet_ntop(h->family, h->addr, buf, sizeof(buf));
		print_pair(out, buf, h->packets, h->bytes,
			   i + 1 < c.n ? "," : "");
	}
	fprintf(out, "  }\n");
	free(c.hosts);
	return 0;
}

static int print_report(FILE *out, const struct account *a)
{
	static const enum account_proto protos[] = {
		ACCOUNT_PROTO_TCP,
		ACCOUNT_PROTO_UDP,
		ACCOUNT_PROTO_ICMP,
	};
	const struct account_totals *t = account_totals(a);
	struct account_stats st;
	size_t i;

	fprintf(out,
		"{\n  \"frames\": %" PRIu64 ",\n  \"bytes\": %" PRIu64
		",\n  \"malformed\": %" PRIu64 ",\n  \"vlan\": %" PRIu64
		",\n  \"arp\": %" PRIu64 ",\n  \"ipv4\": %" PRIu64
		",\n  \"ipv6\": %" PRIu64 ",\n  \"protocols\": {\n",
		t->frames, t->bytes, t->malformed, t->vlan, t->arp, t->ipv4,
		t->ipv6);
	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		account_proto_stats(a, protos[i], &st);
		print_pair(out, account_proto_name(protos[i]), st.packets,
			   st.bytes, i + 1 < 3 ? "," : "");
	}
	fprintf(out, "  },\n");
	if (print_services(out, a) < 0 || print_hosts(out, a) < 0)
		return -1;
	fprintf(out, "}\n");
	if (t->hosts_evicted || t->services_evicted)
		fprintf(stderr,
			"pilotlight: table bound reached: %" PRIu64
			" hosts and %" PRIu64 " services evicted; "
			"their counts are approximate (raise --max-hosts)\n",
			t->hosts_evicted, t->services_evicted);
	return fflush(out) == 0 ? 0 : -1;
}

/* ---- run ------------------------------------------------------------- */

static struct account *replay_account(const struct capture_cfg *cap,
				      size_t max_hosts)
{
	struct cidr defaults[4];
	struct account_params p = {
		.n_ifaces = 1,
		.max_hosts = max_hosts ? max_hosts : REPLAY_MAX_HOSTS_DEFAULT,
		.max_services = REPLAY_MAX_SERVICES,
		.grow = true,
		.seed = REPLAY_SEED,
	};
	size_t i;

	if (cap) {
		p.local_nets = cap->local_networks;
		p.n_local_nets = cap->n_local_networks;
	} else {
		memset(defaults, 0, sizeof(defaults));
		for (i = 0; i < 4; i++) {
			defaults[i].family = strchr(default_nets[i], ':')
						     ? AF_INET6
						     : AF_INET;
			inet_pton(defaults[i].family, default_nets[i],
				  defaults[i].addr);
			defaults[i].prefix = default_prefix[i];
		}
		p.local_nets = defaults;
		p.n_local_nets = 4;
	}
	return account_new(&p);
}

/* libpcap reads a file with two fread()s a record; a 1 MiB stdio buffer
 * instead of the default 4 KiB saves most of the read() calls (the
 * bench's floor program reads the same way). */
static pcap_t *replay_open(const char *path)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	FILE *f = fopen(path, "rbe");
	pcap_t *pc;

	if (!f) {
		fprintf(stderr, "pilotlight: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, REPLAY_READ_BUF);
	pc = pcap_fopen_offline_with_tstamp_precision(
		f, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!pc) {
		fprintf(stderr, "pilotlight: %s: not a capture file (%s)\n",
			path, err);
		fclose(f);
		return NULL;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		fprintf(stderr,
			"pilotlight: %s: link type %d, only Ethernet is "
			"decoded\n",
			path, pcap_datalink(pc));
		pcap_close(pc);
		return NULL;
	}
	return pc;
}

int replay_run(const char *path, const struct capture_cfg *cap,
	       size_t max_hosts, FILE *out)
{
	struct replay r = { 0 };
	pcap_t *pc = replay_open(path);
	int status = 1, rc;

	if (!pc)
		return 1;
	r.acct = replay_account(cap, max_hosts);
	if (!r.acct) {
		fprintf(stderr, "pilotlight: replay: %s\n", strerror(errno));
		goto out_pcap;
	}
	rc = pcap_loop(pc, -1, replay_frame, (u_char *)&r);
	if (print_report(out, r.acct) < 0)
		fprintf(stderr, "pilotlight: writing the report: %s\n",
			strerror(errno));
	else if (rc == PCAP_ERROR)
		fprintf(stderr, "pilotlight: %s: %s\n", path, pcap_geterr(pc));
	else
		status = 0;
	account_free(r.acct);
out_pcap:
	pcap_close(pc);
	return status;
}
