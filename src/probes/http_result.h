/*
 * http_result.h - what a finished HTTP transfer says, in the terms of a
 * probe result: the values measured, ok, and the reason a person reads.
 * Private to src/probes/: http.c collects a transfer, this turns it into
 * a struct probe_result.  It never decides a state; thresholds (including
 * those on the certificate's days left) are the policy's job.
 */
#ifndef PL_HTTP_RESULT_H
#define PL_HTTP_RESULT_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "match.h"
#include "probe.h"

/* What a finished transfer left behind.  Everything is borrowed. */
struct http_transfer {
	CURL *easy;	    /* still holding the transfer's details */
	CURLcode code;	    /* from CURLMSG_DONE */
	const char *errbuf; /* curl's CURLOPT_ERRORBUFFER, "" if none */
	const char *phrase; /* of the last status line, "" if none */
	const char *body;   /* the part of the body that was kept */
	size_t n_body;
	uint64_t n_seen;  /* body bytes received, kept or not */
	struct match *re; /* the body as a compiled regex, NULL: substring */
};

/* Fill r, which probe_result_init() prepared, for check c. */
void http_result_fill(struct probe_result *r, const struct check_cfg *c,
		      const struct http_transfer *t);

/* Days from now_s (seconds since the epoch) until a certificate's
 * "Expire date" as libcurl prints it: "Jan  2 03:04:05 2030 GMT"
 * (OpenSSL) or "2030-01-02 03:04:05 GMT".  Fractional; negative once
 * expired; NAN if the text is neither. */
double http_result_days_left(const char *expire, int64_t now_s);

#endif
