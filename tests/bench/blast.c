/*
 * blast.c - send UDP frames as fast as asked (or as fast as it can) out of
 * one interface, for the capture bench.
 *
 *   blast IFACE SRC_MAC DST_MAC SRC_IP DST_IP PPS SECONDS [SIZE]
 *
 * Frames are built once and written with sendmmsg() on an AF_PACKET socket
 * that bypasses the qdisc, in batches of BLAST_BATCH; PPS 0 means no
 * pacing.  SIZE is the Ethernet frame without FCS (60..1514, default 64:
 * the minimum frame).  The source port steps through 1024 values so the
 * frames are not all the same flow (only those two bytes change).  Prints one JSON line:
 * {"sent": N, "errors": N, "elapsed": S, "pps": R}.
 * Needs CAP_NET_RAW.  Only ever run inside a test's own namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BLAST_BATCH 64
#define BLAST_FLOWS 1024
#define FRAME_MAX   1514

static uint8_t frames[BLAST_BATCH][FRAME_MAX];

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	int n = 0;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%n", &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5], &n) != 6 ||
	    s[n])
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static uint16_t ip_checksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Ethernet + IPv4 + UDP to port 9 (discard), zero payload. */
static void build(uint8_t *f, size_t size, const uint8_t src_mac[6],
		  const uint8_t dst_mac[6], uint32_t src, uint32_t dst,
		  uint16_t sport)
{
	uint8_t *ip = f + 14, *udp = ip + 20;
	uint16_t ip_len = (uint16_t)(size - 14), udp_len = ip_len - 20;
	uint16_t ck;

	memset(f, 0, size);
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(ip_len >> 8);
	ip[3] = (uint8_t)ip_len;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	ck = ip_checksum(ip, 20);
	ip[10] = (uint8_t)(ck >> 8);
	ip[11] = (uint8_t)ck;
	udp[0] = (uint8_t)(sport >> 8);
	udp[1] = (uint8_t)sport;
	udp[3] = 9;
	udp[4] = (uint8_t)(udp_len >> 8);
	udp[5] = (uint8_t)udp_len;
}

static int open_socket(const char *ifname, struct sockaddr_ll *sll)
{
	int one = 1, fd = socket(AF_PACKET, SOCK_RAW, 0);

	if (fd < 0)
		return -1;
	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_ifindex = (int)if_nametoindex(ifname);
	sll->sll_halen = 6;
	if (!sll->sll_ifindex) {
		close(fd);
		errno = ENODEV;
		return -1;
	}
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	return fd;
}

int main(int argc, char **argv)
{
	uint8_t src_mac[6], dst_mac[6];
	struct in_addr src, dst;
	struct mmsghdr msg[BLAST_BATCH];
	struct iovec iov[BLAST_BATCH];
	struct sockaddr_ll sll;
	uint64_t sent = 0, errors = 0, round = 0;
	double pps, secs;
	size_t size = 64;
	int64_t start, end, t;
	int fd, i, n;

	if (argc < 8 || parse_mac(argv[2], src_mac) < 0 ||
	    parse_mac(argv[3], dst_mac) < 0 || !inet_aton(argv[4], &src) ||
	    !inet_aton(argv[5], &dst)) {
		fprintf(stderr, "usage: blast IFACE SRC_MAC DST_MAC SRC_IP "
				"DST_IP PPS SECONDS [SIZE]\n");
		return 2;
	}
	pps = strtod(argv[6], NULL);
	secs = strtod(argv[7], NULL);
	if (argc > 8)
		size = strtoul(argv[8], NULL, 10);
	if (size < 60 || size > FRAME_MAX || pps < 0 || secs <= 0) {
		fprintf(stderr, "blast: bad rate, time or size\n");
		return 2;
	}
	fd = open_socket(argv[1], &sll);
	if (fd < 0) {
		perror("blast: packet socket");
		return 1;
	}
	memcpy(sll.sll_addr, dst_mac, 6);
	for (i = 0; i < BLAST_BATCH; i++) {
		build(frames[i], size, src_mac, dst_mac, src.s_addr, dst.s_addr,
		      1024);
		iov[i] = (struct iovec){ frames[i], size };
		msg[i].msg_hdr = (struct msghdr){
			.msg_name = &sll,
			.msg_namelen = sizeof(sll),
			.msg_iov = &iov[i],
			.msg_iovlen = 1,
		};
	}
	start = now_ns();
	end = start + (int64_t)(secs * 1e9);
	while ((t = now_ns()) < end) {
		if (pps > 0 && (double)sent > (double)(t - start) * pps / 1e9) {
			struct timespec ts = { 0, 20000 };

			nanosleep(&ts, NULL);
			continue;
		}
		for (i = 0; i < BLAST_BATCH; i++) {
			uint16_t sport =
				(uint16_t)(1024 +
					   (round * BLAST_BATCH + (uint64_t)i) %
						   BLAST_FLOWS);

			frames[i][34] = (uint8_t)(sport >> 8);
			frames[i][35] = (uint8_t)sport;
		}
		round++;
		n = sendmmsg(fd, msg, BLAST_BATCH, 0);
		if (n < 0) {
			errors += BLAST_BATCH;
			continue;
		}
		sent += (uint64_t)n;
		errors += (uint64_t)(BLAST_BATCH - n);
	}
	t = now_ns() - start;
	printf("{\"sent\": %llu, \"errors\": %llu, \"elapsed\": %.3f, "
	       "\"pps\": %.0f}\n",
	       (unsigned long long)sent, (unsigned long long)errors, t / 1e9,
	       sent / (t / 1e9));
	close(fd);
	return 0;
}
