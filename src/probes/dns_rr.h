/*
 * dns_rr.h - the answer records of a raw DNS reply as text, and the names
 * of query types and rcodes (private to src/probes/; used by dns.c).
 *
 * Everything here reads bytes that came off the wire: every length and
 * offset is checked against the reply's size before it is used, and a
 * reply that does not add up is "malformed", never a crash.
 */
#ifndef PL_DNS_RR_H
#define PL_DNS_RR_H

#include <stdbool.h>
#include <stddef.h>

#define DNS_HEADER_LEN 12
#define DNS_RR_MAX     32  /* A/AAAA records looked at per reply */
#define DNS_TXT_MAX    512 /* bytes of one TXT record kept */

/* text is NUL-terminated; len excludes the NUL (TXT may hold NULs). */
typedef void (*dns_rr_fn)(void *ctx, const char *text, size_t len);

/* Call fn with the text of every answer record of type qtype (the formats
 * are in dns_probe.h).  Returns the number of records, or -1 if the reply
 * is malformed. */
int dns_rr_each(const unsigned char *abuf, int alen, int qtype, dns_rr_fn fn,
		void *ctx);

/* Does a record's text equal the expected want (addresses as addresses,
 * names without regard to case or a final dot, TXT exactly)? */
bool dns_rr_equal(int qtype, const char *got, size_t len, const char *want);

/* "A" → 1, "MX" → 15, ...; -1 if not one dns_probe.h knows. */
int dns_qtype_code(const char *name);

/* "NOERROR" → 0, ... "REFUSED" → 5; -1 if unknown. */
int dns_rcode_code(const char *name);

/* 0 → "NOERROR", ...; others as "RCODE11".  Returns buf. */
const char *dns_rcode_name(int rcode, char *buf, size_t len);

#endif
