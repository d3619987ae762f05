/*
 * capture.c - one pcap handle per configured interface, read from the loop.
 *
 * A handle is pcap_create() + the pcap_set_*() of the config +
 * pcap_activate(), never immediate mode, so libpcap uses the TPACKET_V3
 * ring and the kernel wakes us once per block instead of once per frame:
 * that is what lets a Pi keep up with a busy mirror port.  Any failure,
 * at open or at run time (ENETDOWN, ENXIO: the adapter was unplugged),
 * closes the handle and arms a retry timer with backoff; the reason stays
 * in the interface's stats for the "capture/link" check and the LCD.
 * Interfaces live on the heap so their loop registrations survive reload.
 */
#include <errno.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capture.h"
#include "clock.h"
#include "log.h"
#include "loop.h"

#define BACKOFF_MIN_NS NS_PER_S
#define BACKOFF_MAX_NS (30 * NS_PER_S)

struct cap_if {
	struct capture *c;
	int index;
	pcap_t *p;
	int fd;		     /* selectable fd in the loop, -1 */
	int64_t retry_timer; /* 0: none armed */
	int64_t backoff_ns;
	uint64_t base_drops; /* of handles closed before */
	uint64_t base_ifdrops;
	bool opened_once;
	struct capture_iface_stats st;
};

struct capture {
	struct loop *loop;
	const struct capture_cfg *cfg;
	capture_frame_fn fn;
	void *arg;
	struct cap_if *ifs[CFG_MAX_IFACES];
	int n;
	int64_t flush_timer;
};

static int cap_open(struct cap_if *ci);
static void cap_fail(struct cap_if *ci, const char *why);

static void cap_handler(unsigned char *user, const struct pcap_pkthdr *h,
			const unsigned char *bytes)
{
	struct cap_if *ci = (struct cap_if *)user;
	uint32_t caplen = h->caplen, snap = (uint32_t)ci->c->cfg->snaplen;

	/* pcap promises these; a lie would send decode past the buffer */
	if (caplen > h->len)
		caplen = h->len;
	if (caplen > snap)
		caplen = snap;
	ci->st.frames++;
	ci->st.bytes += h->len;
	ci->c->fn(ci->c->arg, ci->index, bytes, caplen, h->len);
}

static void cap_dispatch(struct cap_if *ci)
{
	char why[CAPTURE_ERROR_MAX];

	if (!ci->p)
		return;
	if (pcap_dispatch(ci->p, -1, cap_handler, (unsigned char *)ci) >= 0)
		return;
	snprintf(why, sizeof(why), "%s", pcap_geterr(ci->p));
	cap_fail(ci, why);
}

static void cap_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct cap_if *ci = arg;
	socklen_t len = sizeof(int);
	int err = 0;

	(void)l;
	cap_dispatch(ci);
	if (!ci->p || !(events & (EPOLLERR | EPOLLHUP)))
		return;
	/* An error libpcap did not report would wake us forever. */
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err)
		cap_fail(ci, strerror(err));
	else if (events & EPOLLHUP)
		cap_fail(ci, "hangup on the packet socket");
}

static int64_t cap_flush_timer(struct loop *l, void *arg)
{
	(void)l;
	capture_flush(arg);
	return CAPTURE_FLUSH_MS * NS_PER_MS;
}

static int64_t cap_retry(struct loop *l, void *arg)
{
	struct cap_if *ci = arg;

	(void)l;
	if (cap_open(ci) == 0) {
		ci->retry_timer = 0;
		return LOOP_TIMER_DONE;
	}
	ci->backoff_ns *= 2;
	if (ci->backoff_ns > BACKOFF_MAX_NS)
		ci->backoff_ns = BACKOFF_MAX_NS;
	return ci->backoff_ns;
}

static void cap_close_handle(struct cap_if *ci)
{
	struct pcap_stat ps;

	if (!ci->p)
		return;
	if (pcap_stats(ci->p, &ps) == 0) {
		ci->base_drops += ps.ps_drop;
		ci->base_ifdrops += ps.ps_ifdrop;
	}
	ci->st.drops = ci->base_drops;
	ci->st.ifdrops = ci->base_ifdrops;
	if (ci->fd >= 0)
		loop_del_fd(ci->c->loop, ci->fd);
	pcap_close(ci->p);
	ci->p = NULL;
	ci->fd = -1;
	ci->st.active = false;
}

/* Record why ci is not capturing, log it once, retry later. */
static void cap_set_down(struct cap_if *ci, const char *why)
{
	ci->st.gone = if_nametoindex(ci->st.name) == 0;
	ci->st.denied = false;
	if (ci->st.gone)
		why = "interface gone";
	if (strcmp(ci->st.error, why) != 0)
		log_warn("capture %s: %s; retrying", ci->st.name, why);
	snprintf(ci->st.error, sizeof(ci->st.error), "%s", why);
}

static void cap_arm_retry(struct cap_if *ci)
{
	if (ci->retry_timer)
		return;
	ci->backoff_ns = BACKOFF_MIN_NS;
	ci->retry_timer =
		loop_add_timer(ci->c->loop, ci->backoff_ns, cap_retry, ci);
	if (ci->retry_timer < 0) {
		log_err("capture %s: cannot arm retry: %s", ci->st.name,
			strerror(errno));
		ci->retry_timer = 0;
	}
}

static void cap_fail(struct cap_if *ci, const char *why)
{
	cap_close_handle(ci);
	cap_set_down(ci, why);
	cap_arm_retry(ci);
}

/* cap_open() knows a refusal by this pointer. */
static const char cap_perm_denied[] = "permission denied (needs CAP_NET_RAW)";

static const char *cap_activate_error(pcap_t *p, int rc)
{
	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return "interface gone";
	case PCAP_ERROR_IFACE_NOT_UP:
		return "interface down";
	case PCAP_ERROR_PERM_DENIED:
		return cap_perm_denied;
	case PCAP_ERROR:
		return pcap_geterr(p);
	default:
		return pcap_statustostr(rc);
	}
}

/* Settings, filter and non-blocking mode; NULL or why not. */
static const char *cap_setup(struct cap_if *ci, pcap_t *p, char *why,
			     size_t len)
{
	const struct capture_cfg *cfg = ci->c->cfg;
	struct bpf_program prog;
	int rc;

	pcap_set_snaplen(p, cfg->snaplen);
	pcap_set_promisc(p, cfg->promiscuous);
	pcap_set_timeout(p, CAPTURE_TIMEOUT_MS);
	pcap_set_buffer_size(p, cfg->buffer_kib * 1024);
	rc = pcap_activate(p);
	if (rc < 0)
		return cap_activate_error(p, rc);
	if (rc > 0 && !ci->opened_once)
		log_warn("capture %s: %s", ci->st.name, pcap_statustostr(rc));
	if (pcap_datalink(p) != DLT_EN10MB) {
		snprintf(why, len, "not Ethernet (%s)",
			 pcap_datalink_val_to_name(pcap_datalink(p)));
		return why;
	}
	if (cfg->filter) {
		if (pcap_compile(p, &prog, cfg->filter, 1,
				 PCAP_NETMASK_UNKNOWN) < 0)
			return pcap_geterr(p);
		rc = pcap_setfilter(p, &prog);
		pcap_freecode(&prog);
		if (rc < 0)
			return pcap_geterr(p);
	}
	if (pcap_setnonblock(p, 1, why) < 0)
		return why;
	return NULL;
}

static int cap_open(struct cap_if *ci)
{
	char errbuf[PCAP_ERRBUF_SIZE], why[PCAP_ERRBUF_SIZE] = "";
	const char *err;
	pcap_t *p = pcap_create(ci->st.name, errbuf);

	if (!p) {
		cap_set_down(ci, errbuf);
		return -1;
	}
	err = cap_setup(ci, p, why, sizeof(why));
	if (!err && (ci->fd = pcap_get_selectable_fd(p)) < 0)
		err = "no selectable fd";
	if (!err &&
	    loop_add_fd(ci->c->loop, ci->fd, EPOLLIN, cap_readable, ci) < 0)
		err = strerror(errno);
	if (err) {
		bool denied = err == cap_perm_denied;

		snprintf(errbuf, sizeof(errbuf), "%s", err);
		pcap_close(p);
		ci->fd = -1;
		cap_set_down(ci, errbuf);
		ci->st.denied = denied && !ci->st.gone;
		return -1;
	}
	ci->p = p;
	if (ci->st.error[0] || !ci->opened_once)
		log_notice("capture %s: capturing%s", ci->st.name,
			   ci->opened_once ? " again" : "");
	if (ci->opened_once)
		ci->st.reopens++;
	ci->opened_once = true;
	ci->st.active = true;
	ci->st.gone = false;
	ci->st.denied = false;
	ci->st.error[0] = '\0';
	return 0;
}

static struct cap_if *cap_new(struct capture *c, const char *name)
{
	struct cap_if *ci = calloc(1, sizeof(*ci));

	if (!ci)
		return NULL;
	ci->c = c;
	ci->fd = -1;
	ci->st.name = name;
	return ci;
}

/* First open; on failure the retry is already armed. */
static void cap_start(struct cap_if *ci)
{
	if (cap_open(ci) < 0)
		cap_arm_retry(ci);
}

static void cap_free(struct cap_if *ci)
{
	if (!ci)
		return;
	cap_close_handle(ci);
	if (ci->retry_timer)
		loop_del_timer(ci->c->loop, ci->retry_timer);
	free(ci);
}

struct capture *capture_open(struct loop *l, const struct capture_cfg *cfg,
			     capture_frame_fn fn, void *arg)
{
	struct capture *c = calloc(1, sizeof(*c));
	int i;

	if (!c)
		return NULL;
	c->loop = l;
	c->cfg = cfg;
	c->fn = fn;
	c->arg = arg;
	for (i = 0; i < cfg->n_interfaces; i++) {
		c->ifs[i] = cap_new(c, cfg->interfaces[i]);
		if (!c->ifs[i])
			goto fail;
		c->ifs[i]->index = i;
		c->n = i + 1;
	}
	if (c->n > 0) {
		c->flush_timer = loop_add_timer(l, CAPTURE_FLUSH_MS * NS_PER_MS,
						cap_flush_timer, c);
		if (c->flush_timer < 0)
			goto fail;
	}
	for (i = 0; i < c->n; i++)
		cap_start(c->ifs[i]);
	return c;
fail:
	capture_close(c);
	errno = ENOMEM;
	return NULL;
}

static bool same_settings(const struct capture_cfg *a,
			  const struct capture_cfg *b)
{
	const char *fa = a->filter ? a->filter : "";
	const char *fb = b->filter ? b->filter : "";

	return a->snaplen == b->snaplen && a->promiscuous == b->promiscuous &&
	       a->buffer_kib == b->buffer_kib && strcmp(fa, fb) == 0;
}

/* The old interface named name, taken out of old[], or NULL. */
static struct cap_if *take_old(struct cap_if **old, int n, const char *name)
{
	struct cap_if *ci;
	int i;

	for (i = 0; i < n; i++) {
		if (old[i] && strcmp(old[i]->st.name, name) == 0) {
			ci = old[i];
			old[i] = NULL;
			return ci;
		}
	}
	return NULL;
}

int capture_reload(struct capture *c, const struct capture_cfg *cfg)
{
	struct cap_if *old[CFG_MAX_IFACES], *next[CFG_MAX_IFACES] = { NULL };
	bool keep = same_settings(c->cfg, cfg), fresh[CFG_MAX_IFACES];
	int i, n_old = c->n;

	memcpy(old, c->ifs, sizeof(old));
	for (i = 0; i < cfg->n_interfaces; i++) {
		next[i] =
			keep ? take_old(old, n_old, cfg->interfaces[i]) : NULL;
		fresh[i] = !next[i];
		if (!next[i])
			next[i] = cap_new(c, cfg->interfaces[i]);
		if (!next[i])
			goto fail;
	}
	for (i = 0; i < n_old; i++)
		cap_free(old[i]);
	if (cfg->n_interfaces > 0 && c->flush_timer <= 0)
		c->flush_timer =
			loop_add_timer(c->loop, CAPTURE_FLUSH_MS * NS_PER_MS,
				       cap_flush_timer, c);
	c->cfg = cfg;
	memcpy(c->ifs, next, sizeof(next));
	c->n = cfg->n_interfaces;
	for (i = 0; i < c->n; i++) {
		c->ifs[i]->index = i;
		c->ifs[i]->st.name = cfg->interfaces[i];
		if (fresh[i])
			cap_start(c->ifs[i]);
	}
	return 0;
fail:
	/* put back what was taken; free only what was made here */
	for (i = 0; i < cfg->n_interfaces; i++)
		if (next[i] && fresh[i])
			free(next[i]);
	errno = ENOMEM;
	return -1;
}

void capture_flush(struct capture *c)
{
	int i;

	for (i = 0; c && i < c->n; i++)
		cap_dispatch(c->ifs[i]);
}

void capture_poll_stats(struct capture *c)
{
	struct pcap_stat ps;
	struct cap_if *ci;
	int i;

	for (i = 0; c && i < c->n; i++) {
		ci = c->ifs[i];
		if (!ci->p || pcap_stats(ci->p, &ps) < 0)
			continue;
		ci->st.drops = ci->base_drops + ps.ps_drop;
		ci->st.ifdrops = ci->base_ifdrops + ps.ps_ifdrop;
	}
}

int capture_count(const struct capture *c)
{
	return c ? c->n : 0;
}

const struct capture_iface_stats *capture_iface(const struct capture *c, int i)
{
	if (!c || i < 0 || i >= c->n)
		return NULL;
	return &c->ifs[i]->st;
}

void capture_close(struct capture *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		cap_free(c->ifs[i]);
	if (c->flush_timer > 0)
		loop_del_timer(c->loop, c->flush_timer);
	free(c);
}
