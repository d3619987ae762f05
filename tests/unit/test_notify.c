/*
 * test_notify.c - what each notification channel receives: the template
 * rendered with its placeholders and escaped for the output (JSON, form
 * encoding, mail headers), the documented request of Telegram, Pushover,
 * Discord, Matrix and Teams, and the email message, including a reason
 * and a template that try to inject a header.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/exports/exports_int.h"
#include "clock.h"
#include "template.h"

/* 2026-11-18 11:06:40.25 UTC, a Wednesday. */
#define WALL_NS (INT64_C(1795000000) * NS_PER_S + 250 * NS_PER_MS)

static const char *const names[] = { "a", "bb" };

static struct pl_event ev(enum pl_state from, enum pl_state to)
{
	struct pl_event e = { .seq = 7,
			      .wall_ns = WALL_NS,
			      .kind = EVENT_STATE,
			      .old_state = from,
			      .new_state = to,
			      .metric = METRIC_RTT,
			      .value = 512.5,
			      .threshold = 500 };

	strcpy(e.check, "router/ping");
	strcpy(e.reason, "rtt \"slow\"");
	return e;
}

static struct webhook_cfg chan(enum webhook_format f, const char *url)
{
	struct webhook_cfg w = { .format = f,
				 .min_state = STATE_WARNING,
				 .recovery = true };

	strcpy(w.name, "t");
	snprintf(w.url, sizeof(w.url), "%s", url);
	strcpy(w.tmpl, "{state} {host}/{check}: {value} (threshold "
		       "{threshold}) {reason}");
	return w;
}

static void test_template_check(void **state)
{
	char bad[16];

	(void)state;
	assert_int_equal(template_check("x {a} {bb} {{a}} }}", names, 2, bad,
					sizeof(bad)),
			 0);
	assert_int_equal(template_check("x {b}", names, 2, bad, sizeof(bad)),
			 -1);
	assert_string_equal(bad, "{b}");
	assert_int_equal(template_check("x {a", names, 2, bad, sizeof(bad)),
			 -1);
	assert_string_equal(bad, "{");
}

static void test_template_render(void **state)
{
	const char *values[] = { "1", "two" };
	char buf[16];

	(void)state;
	assert_int_equal(template_render(buf, sizeof(buf), "{a}-{bb}{{}}",
					 names, values, 2),
			 7);
	assert_string_equal(buf, "1-two{}");
	/* cut, NUL-terminated, the needed length returned */
	assert_int_equal(template_render(buf, 4, "{bb}{bb}", names, values, 2),
			 6);
	assert_string_equal(buf, "two");
}

/* Every placeholder; no figures: "-". */
static void test_text(void **state)
{
	struct webhook_cfg w = chan(WEBHOOK_DISCORD, "http://x/");
	struct pl_event e = ev(STATE_OK, STATE_CRITICAL);
	struct webhook_text t;

	(void)state;
	strcpy(w.tmpl, "{kind}:{state}<{was} {host} {check} {metric} {value} "
		       "{threshold} {reason}");
	webhook_text(&w, &e, "router", WEBHOOK_REMINDER, &t);
	assert_string_equal(t.msg, "reminder:CRITICAL<OK router ping "
				   "rtt 512.5 ms 500 ms rtt \"slow\"");
	assert_string_equal(t.title, "pilotlight: router/ping CRITICAL "
				     "(reminder)");
	e.metric = METRIC_COUNT;
	e.value = NAN;
	webhook_text(&w, &e, "router", WEBHOOK_RECOVERY, &t);
	assert_string_equal(t.msg, "recovery:CRITICAL<OK router ping "
				   "- - - rtt \"slow\"");
	/* without a template: the built-in sentence */
	w.tmpl[0] = '\0';
	e = ev(STATE_OK, STATE_CRITICAL);
	webhook_text(&w, &e, "router", WEBHOOK_REMINDER, &t);
	assert_string_equal(t.msg, "router/ping is still CRITICAL: rtt "
				   "\"slow\"; rtt 512.5 ms beyond 500 ms");
}

static void test_telegram(void **state)
{
	struct webhook_cfg w = chan(WEBHOOK_TELEGRAM, "http://127.0.0.1:9/");
	struct pl_event e = ev(STATE_OK, STATE_CRITICAL);
	struct webhook_request r;

	(void)state;
	strcpy(w.token, "123:AbC");
	strcpy(w.chat_id, "-1001");
	webhook_build(&w, &e, "router", WEBHOOK_PROBLEM, &r);
	assert_string_equal(r.url, "http://127.0.0.1:9/bot123:AbC/sendMessage");
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.headers[0], "Content-Type: application/json");
	assert_string_equal(r.body,
			    "{\"chat_id\":\"-1001\",\"text\":\"CRITICAL "
			    "router/ping: 512.5 ms (threshold 500 ms) "
			    "rtt \\\"slow\\\"\"}");
	assert_int_equal(r.body_len, strlen(r.body));
}

static void test_pushover(void **state)
{
	struct webhook_cfg w =
		chan(WEBHOOK_PUSHOVER, "https://api.pushover.net/1/"
				       "messages.json");
	struct pl_event e = ev(STATE_OK, STATE_CRITICAL);
	struct webhook_request r;

	(void)state;
	strcpy(w.token, "azGDORePK8gMaC0QOYAMyEEuzJnyUi");
	strcpy(w.user, "uQiRzpo4DXghDmr9QzzfQu27cmVRsG");
	strcpy(w.tmpl, "{state} & {reason}=100%");
	webhook_build(&w, &e, "router", WEBHOOK_PROBLEM, &r);
	assert_string_equal(r.url, w.url);
	assert_string_equal(r.headers[0], "Content-Type: "
					  "application/x-www-form-urlencoded");
	assert_string_equal(r.body,
			    "token=azGDORePK8gMaC0QOYAMyEEuzJnyUi"
			    "&user=uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
			    "&title=pilotlight%3A+router%2Fping+CRITICAL"
			    "&message=CRITICAL+%26+rtt+%22slow%22%3D100%25"
			    "&priority=1");
	e = ev(STATE_CRITICAL, STATE_OK);
	webhook_build(&w, &e, "router", WEBHOOK_RECOVERY, &r);
	assert_non_null(strstr(r.body, "&priority=0"));
}

static void test_discord(void **state)
{
	struct webhook_cfg w = chan(WEBHOOK_DISCORD, "https://discord.com/api/"
						     "webhooks/1/x");
	struct pl_event e = ev(STATE_OK, STATE_WARNING);
	struct webhook_request r;

	(void)state;
	strcpy(e.reason, "line\nbreak\t\x01");
	strcpy(w.tmpl, "{reason}");
	webhook_build(&w, &e, "router", WEBHOOK_PROBLEM, &r);
	assert_string_equal(r.url, w.url);
	assert_string_equal(r.body, "{\"content\":\"line\\nbreak\\t\\u0001\"}");
	assert_int_equal(r.n_headers, 1);
}

static void test_matrix(void **state)
{
	struct webhook_cfg w = chan(WEBHOOK_MATRIX, "https://m.example.org/");
	struct pl_event e = ev(STATE_OK, STATE_CRITICAL);
	struct webhook_request r, r2;

	(void)state;
	strcpy(w.token, "syt_tok");
	strcpy(w.room, "!abc:example.org");
	strcpy(w.tmpl, "{state} {check}");
	webhook_build(&w, &e, "router", WEBHOOK_PROBLEM, &r);
	assert_string_equal(r.method, "PUT");
	assert_string_equal(r.url, "https://m.example.org/_matrix/client/v3/"
				   "rooms/%21abc%3Aexample.org/send/"
				   "m.room.message/pl1795000000250000000.7.0");
	assert_string_equal(r.headers[1], "Authorization: Bearer syt_tok");
	assert_string_equal(r.body, "{\"msgtype\":\"m.text\",\"body\":"
				    "\"CRITICAL ping\"}");
	/* the same message again (a retry): the same transaction id; a
	 * reminder: another one */
	webhook_build(&w, &e, "router", WEBHOOK_PROBLEM, &r2);
	assert_string_equal(r.url, r2.url);
	webhook_build(&w, &e, "router", WEBHOOK_REMINDER, &r2);
	assert_string_not_equal(r.url, r2.url);
}

static void test_teams(void **state)
{
	struct webhook_cfg w = chan(WEBHOOK_TEAMS, "https://x.webhook."
						   "office.com/h");
	struct pl_event e = ev(STATE_CRITICAL, STATE_OK);
	struct webhook_request r;

	(void)state;
	strcpy(w.tmpl, "{state} {reason}");
	webhook_build(&w, &e, "router", WEBHOOK_RECOVERY, &r);
	assert_string_equal(
		r.body,
		"{\"type\":\"message\",\"attachments\":[{\"contentType\":"
		"\"application/vnd.microsoft.card.adaptive\",\"contentUrl\":"
		"null,\"content\":{\"$schema\":\"http://adaptivecards.io/"
		"schemas/adaptive-card.json\",\"type\":\"AdaptiveCard\","
		"\"version\":\"1.2\",\"body\":[{\"type\":\"TextBlock\","
		"\"size\":\"Medium\",\"weight\":\"Bolder\",\"wrap\":true,"
		"\"color\":\"Good\",\"text\":\"pilotlight: router/ping OK\"},"
		"{\"type\":\"TextBlock\",\"wrap\":true,\"text\":\"OK rtt "
		"\\\"slow\\\"\"}]}}]}");
}

static struct webhook_cfg mail_chan(void)
{
	struct webhook_cfg w = chan(WEBHOOK_EMAIL, "smtp://127.0.0.1:25");

	strcpy(w.from, "pi@example.org");
	strcpy(w.to[0], "a@example.org");
	w.n_to = 1;
	return w;
}

/* The body of a message: after the empty line. */
static const char *body_of(const char *msg)
{
	const char *p = strstr(msg, "\r\n\r\n");

	return p ? p + 4 : NULL;
}

static void test_mail(void **state)
{
	struct webhook_cfg w = mail_chan();
	struct pl_event e = ev(STATE_OK, STATE_CRITICAL);
	struct webhook_request r;
	const char *body;

	(void)state;
	strcpy(w.to[1], "b@example.org");
	w.n_to = 2;
	webhook_build(&w, &e, "router", WEBHOOK_PROBLEM, &r);
	assert_null(r.method);
	assert_string_equal(r.url, "smtp://127.0.0.1:25");
	assert_int_equal(strncmp(r.body,
				 "Date: Wed, 18 Nov 2026 11:06:40 +0000\r\n"
				 "From: pi@example.org\r\n"
				 "To: a@example.org, b@example.org\r\n"
				 "Subject: pilotlight: router/ping CRITICAL\r\n"
				 "Message-ID: <pl.1795000000250000000.7.0@",
				 178),
			 0);
	assert_non_null(strstr(r.body, "\r\nMIME-Version: 1.0\r\n"
				       "Content-Type: text/plain; "
				       "charset=utf-8\r\n"));
	body = body_of(r.body);
	assert_non_null(body);
	assert_string_equal(body, "CRITICAL router/ping: 512.5 ms "
				  "(threshold 500 ms) rtt \"slow\"\r\n");
	assert_int_equal(r.body_len, strlen(r.body));
}

/* A reason (from a probe) with line breaks and a template that puts it
 * first: no header can be added, every line ends in CRLF. */
static void test_mail_injection(void **state)
{
	struct webhook_cfg w = mail_chan();
	struct pl_event e = ev(STATE_OK, STATE_CRITICAL);
	struct webhook_request r;
	const char *body, *p;

	(void)state;
	strcpy(w.tmpl, "{reason}");
	strcpy(e.reason, "x\r\nBcc: evil@example.org\n\r\n.\r\nQUIT\rY");
	/* a check name cannot hold these (the config refuses them), but the
	 * Subject blanks control characters whatever it is given */
	strcpy(e.check, "a/b\r\nBcc: evil2@example.org");
	webhook_build(&w, &e, "router", WEBHOOK_PROBLEM, &r);
	body = body_of(r.body);
	assert_non_null(body);
	assert_non_null(strstr(r.body, "Subject: pilotlight: a/b  Bcc: "
				       "evil2@example.org CRITICAL\r\n"));
	/* the only "Bcc:" at the start of a line is in the body */
	for (p = r.body; (p = strstr(p, "\r\nBcc:")); p++)
		assert_true(p > body);
	assert_string_equal(body, "x\r\nBcc: evil@example.org\r\n\r\n.\r\n"
				  "QUIT\r\nY\r\n");
	/* no bare CR or LF anywhere */
	for (size_t i = 0; i < r.body_len; i++) {
		if (r.body[i] == '\r')
			assert_int_equal(r.body[i + 1], '\n');
		if (r.body[i] == '\n')
			assert_int_equal(r.body[i - 1], '\r');
	}
}

/* Lines past 998 bytes are cut. */
static void test_mail_long_line(void **state)
{
	struct webhook_cfg w = mail_chan();
	struct pl_event e = ev(STATE_OK, STATE_CRITICAL);
	struct webhook_request r;
	const char *p, *nl;

	(void)state;
	strcpy(w.tmpl, "{reason}{reason}{reason}{reason}{reason}{reason}"
		       "{reason}{reason}{reason}");
	memset(e.reason, 'r', sizeof(e.reason) - 1);
	e.reason[sizeof(e.reason) - 1] = '\0';
	webhook_build(&w, &e, "router", WEBHOOK_PROBLEM, &r);
	for (p = r.body; (nl = strstr(p, "\r\n")); p = nl + 2)
		assert_true(nl - p <= 998);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_check),
		cmocka_unit_test(test_template_render),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_telegram),
		cmocka_unit_test(test_pushover),
		cmocka_unit_test(test_discord),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_teams),
		cmocka_unit_test(test_mail),
		cmocka_unit_test(test_mail_injection),
		cmocka_unit_test(test_mail_long_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
