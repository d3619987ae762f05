/*
 * control_api.c - the control actions over HTTP on the metrics listener:
 * POST /api/v1/ack, /mute?duration=D, /maintenance?duration=D[&target=T],
 * /end-maintenance, /reload, and GET /api/v1/status.  Off unless
 * control.http; every request needs "Authorization: Bearer TOKEN".
 *
 * The request is turned into the same words `pilotlight ctl` sends and
 * parsed by control_parse(), so both ways accept exactly the same.  The
 * token is compared in constant time and never logged, not even a wrong
 * one; the event names the client's address.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exports_int.h"
#include "mhd_dl.h"

#define API_PREFIX "/api/v1/"

static int api_text(struct MHD_Connection *c, unsigned code, const char *text,
		    const char *allow)
{
	return httpd_reply(c, code, "text/plain; charset=utf-8", text,
			   strlen(text), allow);
}

static bool authorized(const struct control_cfg *cc, struct MHD_Connection *c)
{
	const char *auth = sym_MHD_lookup_connection_value(
		c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);

	if (!auth || strncmp(auth, "Bearer ", 7) != 0)
		return false;
	return control_token_equal(auth + 7, strlen(auth + 7), cc->token);
}

/* "http 192.0.2.7" */
static void client_name(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci = sym_MHD_get_connection_info(
		c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	char addr[INET6_ADDRSTRLEN] = "?";

	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  addr, sizeof(addr));
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)sa)->sin6_addr, addr,
			  sizeof(addr));
	snprintf(buf, len, "http %s", addr);
}

/* The words of the request: "mute 10m", "maintenance 1h router". */
static int request_line(struct MHD_Connection *c, const char *cmd, char *line,
			size_t len)
{
	const char *d = sym_MHD_lookup_connection_value(
		c, MHD_GET_ARGUMENT_KIND, "duration");
	const char *t = sym_MHD_lookup_connection_value(
		c, MHD_GET_ARGUMENT_KIND, "target");
	int n = snprintf(line, len, "%s%s%s%s%s", cmd, d ? " " : "", d ? d : "",
			 t ? " " : "", t ? t : "");

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static bool known_command(const char *name)
{
	for (int i = 0; i < CTL_CMD_COUNT; i++)
		if (!strcmp(name, control_cmd_name((enum control_cmd)i)))
			return true;
	return false;
}

int control_api_answer(const struct control_cfg *cc, control_fn fn, void *arg,
		       struct MHD_Connection *c, const char *method,
		       const char *url)
{
	char line[CONTROL_REQUEST_MAX], why[160], who[CONTROL_WHO_MAX];
	struct control_request rq;
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	char *reply;
	int ret;

	if (!cc->http || !fn || strncmp(url, API_PREFIX, strlen(API_PREFIX)))
		return api_text(c, MHD_HTTP_NOT_FOUND, "not found\n", NULL);
	if (!authorized(cc, c))
		return api_text(c, MHD_HTTP_UNAUTHORIZED,
				"error: a valid bearer token is needed\n",
				NULL);
	url += strlen(API_PREFIX);
	if (!known_command(url))
		return api_text(c, MHD_HTTP_NOT_FOUND, "not found\n", NULL);
	snprintf(why, sizeof(why), "request too long");
	if (request_line(c, url, line, sizeof(line)) < 0 ||
	    control_parse(line, &rq, why, sizeof(why)) < 0) {
		snprintf(line, sizeof(line), "error: %s\n", why);
		return api_text(c, MHD_HTTP_BAD_REQUEST, line, NULL);
	}
	if ((rq.cmd == CTL_STATUS) != get)
		return api_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				"error: method not allowed\n",
				rq.cmd == CTL_STATUS ? "GET, HEAD" : "POST");
	rq.deferred = true;
	client_name(c, who, sizeof(who));
	reply = fn(arg, &rq, who);
	if (!reply)
		return api_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				"error: out of memory\n", NULL);
	ret = api_text(
		c, strncmp(reply, "ok", 2) ? MHD_HTTP_CONFLICT : MHD_HTTP_OK,
		reply, NULL);
	free(reply);
	return ret;
}
