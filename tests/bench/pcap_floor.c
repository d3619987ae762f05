/*
 * pcap_floor.c - the floor for the replay bench: read every record of a
 * capture file with libpcap, the way src/traffic/replay.c does (pcap_loop
 * over a FILE with a 1 MiB buffer), and do nothing else (a byte of each
 * frame is summed so the loop cannot be optimised away).
 *
 *   pcap_floor FILE    prints "frames N"
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

struct floor_count {
	uint64_t frames, sum;
};

static void floor_frame(u_char *user, const struct pcap_pkthdr *h,
			const u_char *data)
{
	struct floor_count *c = (struct floor_count *)user;

	c->frames++;
	c->sum += h->caplen ? data[0] : 0;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct floor_count c = { 0, 0 };
	pcap_t *pc;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap_floor FILE\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	pc = pcap_fopen_offline_with_tstamp_precision(
		f, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!pc) {
		fprintf(stderr, "pcap_floor: %s\n", err);
		return 1;
	}
	if (pcap_loop(pc, -1, floor_frame, (u_char *)&c) == PCAP_ERROR) {
		fprintf(stderr, "pcap_floor: %s\n", pcap_geterr(pc));
		return 1;
	}
	pcap_close(pc);
	printf("frames %llu (%llu)\n", (unsigned long long)c.frames,
	       (unsigned long long)(c.sum & 1));
	return 0;
}
