/*
 * http_result.c - a finished HTTP transfer turned into a probe result.
 *
 * The values: the total time of the transfer (redirects included) and the
 * days left on the leaf certificate the server sent.  ok: the transfer
 * completed, the status is one the check accepts (any 2xx/3xx when it
 * lists none) and, when asked, the kept body contains the text or matches
 * the regex.  The reason is short enough for the LCD; the output keeps
 * curl's own words for the log.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "curl_dl.h"
#include "http_result.h"
#include "probe_util.h"

#define HTTP_SECS_PER_DAY 86400.0

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil).  Not timegm(): armhf bookworm's time_t is 32 bits, and
 * a LAN box's self-signed certificate may well run past 2038. */
static int64_t http_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

double http_result_days_left(const char *expire, int64_t now_s)
{
	struct tm tm;
	int64_t days, t;

	memset(&tm, 0, sizeof(tm));
	if (!strptime(expire, "%b %d %H:%M:%S %Y", &tm)) {
		memset(&tm, 0, sizeof(tm));
		if (!strptime(expire, "%Y-%m-%d %H:%M:%S", &tm))
			return NAN;
	}
	/* The text is UTC ("GMT"): no time zone enters the sum. */
	days = http_days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1,
				    tm.tm_mday);
	t = days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	return (double)(t - now_s) / HTTP_SECS_PER_DAY;
}

/* Days until the leaf certificate expires; NAN without TLS.  libcurl
 * lists the chain leaf first. */
static double http_cert_days(CURL *easy)
{
	static const char key[] = "Expire date:";
	struct curl_certinfo *ci = NULL;
	int64_t now_s = clock_wall_ns() / NS_PER_S;

	if (sym_curl_easy_getinfo(easy, CURLINFO_CERTINFO, &ci) != CURLE_OK ||
	    !ci || ci->num_of_certs < 1)
		return NAN;
	for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next)
		if (strncmp(s->data, key, sizeof(key) - 1) == 0)
			return http_result_days_left(s->data + sizeof(key) - 1,
						     now_s);
	return NAN;
}

/* "certificate verify failed: self-signed certificate", from curl's
 * "SSL certificate problem: self-signed certificate". */
static void http_verify_reason(struct probe_result *r, const char *msg)
{
	static const char prefix[] = "SSL certificate problem: ";
	/* "certificate verify failed: " takes 27 of the reason. */
	char detail[STATUS_REASON_MAX - 27];

	if (strstr(msg, "subject name")) {
		msg = "name mismatch";
	} else if (strncmp(msg, prefix, sizeof(prefix) - 1) == 0) {
		msg += sizeof(prefix) - 1;
	} else {
		snprintf(r->reason, sizeof(r->reason),
			 "certificate verify failed");
		return;
	}
	probe_copy_line(detail, sizeof(detail), msg, strlen(msg));
	snprintf(r->reason, sizeof(r->reason), "certificate verify failed: %s",
		 detail);
}

/* The transfer failed: say why in a few words. */
static void http_transport_reason(struct probe_result *r,
				  const struct check_cfg *c,
				  const struct http_transfer *t)
{
	const char *msg =
		t->errbuf[0] ? t->errbuf : sym_curl_easy_strerror(t->code);
	const char *why = NULL;
	long os_err = 0;

	probe_copy_line(r->output, sizeof(r->output), msg, strlen(msg));
	switch (t->code) {
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(r->reason, sizeof(r->reason), "timeout after %lld ms",
			 (long long)c->timeout_ms);
		return;
	case CURLE_PEER_FAILED_VERIFICATION:
		http_verify_reason(r, msg);
		return;
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		sym_curl_easy_getinfo(t->easy, CURLINFO_OS_ERRNO, &os_err);
		if (os_err > 0)
			why = probe_errno_reason((int)os_err);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		why = "cannot resolve host";
		break;
	case CURLE_SSL_CONNECT_ERROR:
		why = "TLS handshake failed";
		break;
	case CURLE_TOO_MANY_REDIRECTS:
		why = "too many redirects";
		break;
	case CURLE_GOT_NOTHING:
		why = "empty reply";
		break;
	default:
		break;
	}
	if (why)
		snprintf(r->reason, sizeof(r->reason), "%s", why);
	else
		probe_copy_line(r->reason, sizeof(r->reason), msg, strlen(msg));
}

static bool http_status_ok(struct probe_result *r, const struct check_cfg *c,
			   long status)
{
	const int *want = c->u.http.status;
	int n = c->u.http.n_status;
	char list[CFG_MAX_STATUS * 5 + 8] = "2xx/3xx";
	size_t len = 0;

	if (n == 0 && status >= 200 && status < 400)
		return true;
	for (int i = 0; i < n && i < CFG_MAX_STATUS; i++) {
		if (want[i] == status)
			return true;
		/* Codes are 100..599; % 1000 bounds the text for the
		 * compiler. */
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%d",
					i ? "/" : "", want[i] % 1000);
	}
	snprintf(r->reason, sizeof(r->reason), "status %ld, expected %s",
		 status, list);
	return false;
}

/* The body's regex ran out of budget: the check cannot say the body is
 * right, so the result is bad (CRITICAL once fail_after rounds agree),
 * never a loop held for the seconds a hostile reply could cost. */
static bool http_body_undecided(struct probe_result *r,
				const struct http_transfer *t,
				enum match_outcome o)
{
	snprintf(r->reason, sizeof(r->reason), "body_regex: %s",
		 match_outcome_name(o));
	snprintf(r->output, sizeof(r->output),
		 "body_regex: %s on the first %zu of %llu body bytes "
		 "(budget %lld ms)",
		 match_outcome_name(o), t->n_body,
		 (unsigned long long)t->n_seen,
		 (long long)(MATCH_BUDGET_NS / NS_PER_MS));
	return false;
}

static bool http_body_ok(struct probe_result *r, const struct check_cfg *c,
			 const struct http_transfer *t)
{
	const char *want = c->u.http.body;
	/* "body does not contain '" + "'" + NUL take 25 of the reason. */
	char quoted[STATUS_REASON_MAX - 25];
	int64_t budget_ns = MATCH_BUDGET_NS;
	enum match_outcome o;
	bool match;

	if (!want)
		return true;
	if (t->re) {
		o = match_run(t->re, t->body, t->n_body, &budget_ns);
		if (o != MATCH_FOUND && o != MATCH_NONE)
			return http_body_undecided(r, t, o);
		match = o == MATCH_FOUND;
	} else {
		match = memmem(t->body, t->n_body, want, strlen(want)) != NULL;
	}
	if (match)
		return true;
	probe_copy_line(quoted, sizeof(quoted), want, strlen(want));
	snprintf(r->reason, sizeof(r->reason), "body does not %s '%s'",
		 t->re ? "match" : "contain", quoted);
	snprintf(r->output, sizeof(r->output),
		 "expected %s'%.80s' in the first %zu of %llu body bytes",
		 t->re ? "regex " : "", want, t->n_body,
		 (unsigned long long)t->n_seen);
	return false;
}

void http_result_fill(struct probe_result *r, const struct check_cfg *c,
		      const struct http_transfer *t)
{
	curl_off_t total_us = 0;
	char *url = NULL;
	long status = 0;
	char ms[16];

	r->value[METRIC_CERT_DAYS] = http_cert_days(t->easy);
	if (t->code != CURLE_OK) {
		http_transport_reason(r, c, t);
		return;
	}
	sym_curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	sym_curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &total_us);
	sym_curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &url);
	r->value[METRIC_RESPONSE_TIME] = (double)total_us / 1000.0;
	snprintf(r->output, sizeof(r->output), "%ld %s, %llu bytes from %.160s",
		 status, t->phrase, (unsigned long long)t->n_seen,
		 url ? url : c->u.http.url);
	if (!http_status_ok(r, c, status) || !http_body_ok(r, c, t))
		return;
	probe_fmt_ms(ms, sizeof(ms), r->value[METRIC_RESPONSE_TIME]);
	r->ok = true;
	/* status is three digits: % 1000 only tells the compiler so. */
	snprintf(r->reason, sizeof(r->reason), "%d%s%s in %s ms",
		 (int)(status % 1000), t->phrase[0] ? " " : "", t->phrase, ms);
}
