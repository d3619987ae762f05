/*
 * notify_mail.c - alerts as email through libcurl's SMTP: the RFC 5322
 * message and the transfer's SMTP options.
 *
 * Nothing from a probe reaches a header but the Subject, and that is
 * built from the check and state names (validated by the config) with
 * every control character blanked all the same: no reason or template
 * can add a header.  The body has CRLF line ends and lines of at most
 * 998 bytes; libcurl dot-stuffs it.  The password is handed to libcurl
 * and never logged.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "curl_dl.h"
#include "exports_int.h"

#define MAIL_LINE_MAX 998

/* "Sun, 06 Dec 2026 18:20:44 +0000", in English whatever the locale. */
static void mail_date(char *buf, size_t len, int64_t wall_ns)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed",
					 "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr",
					    "May", "Jun", "Jul", "Aug",
					    "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)(wall_ns / NS_PER_S);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000",
		 days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* s as one header value: control characters become blanks. */
static void put_header_value(struct webhook_request *req, const char *s)
{
	char c[2] = { 0, 0 };

	for (; *s; s++) {
		c[0] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
		webhook_put(req, c);
	}
}

/* s as body text: any line break as CRLF, other control characters
 * but tab blanked, lines cut at MAIL_LINE_MAX. */
static void put_body(struct webhook_request *req, const char *s)
{
	char c[2] = { 0, 0 };
	int col = 0;

	for (; *s; s++) {
		if (*s == '\r' || *s == '\n') {
			if (*s == '\r' && s[1] == '\n')
				s++;
			webhook_put(req, "\r\n");
			col = 0;
			continue;
		}
		if (col == MAIL_LINE_MAX) {
			webhook_put(req, "\r\n");
			col = 0;
		}
		c[0] = ((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f
			       ? ' '
			       : *s;
		webhook_put(req, c);
		col++;
	}
	webhook_put(req, "\r\n");
}

static void put_line(struct webhook_request *req, const char *name,
		     const char *value)
{
	webhook_put(req, name);
	webhook_put(req, ": ");
	put_header_value(req, value);
	webhook_put(req, "\r\n");
}

void notify_mail(const struct webhook_cfg *w, const struct pl_event *e,
		 const struct webhook_text *t, enum webhook_kind kind,
		 struct webhook_request *req)
{
	char buf[CFG_MAIL_ADDR_MAX * CFG_MAIL_RCPT_MAX + 64], host[256];

	req->method = NULL;
	mail_date(buf, sizeof(buf), e->wall_ns);
	put_line(req, "Date", buf);
	put_line(req, "From", w->from);
	buf[0] = '\0';
	for (int i = 0; i < w->n_to; i++) {
		if (i)
			strcat(buf, ", ");
		strcat(buf, w->to[i]);
	}
	put_line(req, "To", buf);
	put_line(req, "Subject", t->title);
	if (gethostname(host, sizeof(host)) < 0 || !host[0] ||
	    strpbrk(host, "<>@ "))
		snprintf(host, sizeof(host), "pilotlight.invalid");
	host[sizeof(host) - 1] = '\0';
	snprintf(buf, sizeof(buf), "<pl.%" PRId64 ".%" PRIu64 ".%d@%s>",
		 e->wall_ns, e->seq, (int)kind, host);
	put_line(req, "Message-ID", buf);
	put_line(req, "MIME-Version", "1.0");
	put_line(req, "Content-Type", "text/plain; charset=utf-8");
	put_line(req, "Content-Transfer-Encoding", "8bit");
	put_line(req, "Auto-Submitted", "auto-generated");
	webhook_put(req, "\r\n");
	put_body(req, t->msg);
}

/* CURLOPT_READFUNCTION: the message, then 0 for its end. */
static size_t mail_read(char *out, size_t size, size_t n, void *arg)
{
	struct webhook_request *req = arg;
	size_t left = req->body_len - req->read_pos;
	size_t room = size * n;

	if (room > left)
		room = left;
	memcpy(out, req->body + req->read_pos, room);
	req->read_pos += room;
	return room;
}

int notify_mail_options(void *h, const struct webhook_cfg *w,
			struct webhook_request *req, struct curl_slist **rcpt)
{
	char addr[CFG_MAIL_ADDR_MAX + 2];
	int bad = 0;

	for (int i = 0; i < w->n_to; i++) {
		struct curl_slist *l;

		snprintf(addr, sizeof(addr), "<%s>", w->to[i]);
		l = sym_curl_slist_append(*rcpt, addr);
		if (!l)
			return -1;
		*rcpt = l;
	}
	snprintf(addr, sizeof(addr), "<%s>", w->from);
	req->read_pos = 0;
	bad |= sym_curl_easy_setopt(h, CURLOPT_MAIL_FROM, addr);
	bad |= sym_curl_easy_setopt(h, CURLOPT_MAIL_RCPT, *rcpt);
	bad |= sym_curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	bad |= sym_curl_easy_setopt(h, CURLOPT_READFUNCTION, mail_read);
	bad |= sym_curl_easy_setopt(h, CURLOPT_READDATA, req);
	bad |= sym_curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
				    (curl_off_t)req->body_len);
	bad |= sym_curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	if (w->starttls)
		bad |= sym_curl_easy_setopt(h, CURLOPT_USE_SSL,
					    (long)CURLUSESSL_ALL);
	if (w->username[0]) {
		bad |= sym_curl_easy_setopt(h, CURLOPT_USERNAME, w->username);
		bad |= sym_curl_easy_setopt(h, CURLOPT_PASSWORD, w->password);
	}
	return bad ? -1 : 0;
}
