/*
 * privdrop.c - from root (or systemd's ambient set) down to the service
 * user with CAP_NET_RAW and nothing else.
 *
 * Order matters: the bounding set can only be shrunk while CAP_SETPCAP is
 * held, so it goes first; PR_SET_KEEPCAPS carries the permitted set over
 * setuid() (which would otherwise clear it), and cap_set_proc() then cuts
 * permitted and effective down to CAP_NET_RAW.  Ambient capabilities are
 * cleared so exec checks start their plugins without any, and
 * no_new_privs stops a setuid plugin from gaining more (the unit's
 * NoNewPrivileges=yes, for a daemon started from a shell).
 *
 * Started by systemd as User=pilotlight, setuid/setgroups/capset are
 * refused by the unit's SystemCallFilter=~@privileged; that path only
 * uses prctl() and calls capset() when something is left to trim.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"
#include "privdrop.h"

/* The one capability kept; see privdrop.h for why. */
static const cap_value_t kept_cap = CAP_NET_RAW;

struct privdrop {
	bool switch_user; /* started as root: setuid to name */
	uid_t uid;
	gid_t gid;
	char name[64];
};

/* Resolve user when root.  Returns -1 after logging why. */
static int lookup(const char *user, struct privdrop *pd)
{
	struct passwd *pw;

	*pd = (struct privdrop){ .switch_user = false };
	snprintf(pd->name, sizeof(pd->name), "%s", user);
	if (geteuid() != 0)
		return 0;
	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		if (errno && errno != ENOENT && errno != ESRCH)
			log_always(LOG_ERR, "user '%s': %s", user,
				   strerror(errno));
		else
			log_always(LOG_ERR,
				   "user '%s' does not exist "
				   "(create it or set daemon.user)",
				   user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		log_always(LOG_WARNING,
			   "daemon.user is '%s': running as root "
			   "with every privilege",
			   user);
		return 0;
	}
	pd->switch_user = true;
	pd->uid = pw->pw_uid;
	pd->gid = pw->pw_gid;
	return 0;
}

/* Shrink the bounding set to kept_cap (needs CAP_SETPCAP, so as root). */
static int drop_bounding(void)
{
	cap_value_t n = (cap_value_t)cap_max_bits();

	for (cap_value_t c = 0; c < n; c++) {
		if (c == kept_cap)
			continue;
		if (cap_drop_bound(c) < 0 && errno != EINVAL)
			return -1;
	}
	return 0;
}

static int switch_user(const struct privdrop *pd)
{
	if (drop_bounding() < 0) {
		log_always(LOG_ERR, "capability bounding set: %s",
			   strerror(errno));
		return -1;
	}
	if (initgroups(pd->name, pd->gid) < 0 ||
	    setresgid(pd->gid, pd->gid, pd->gid) < 0) {
		log_always(LOG_ERR, "groups of '%s': %s", pd->name,
			   strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) < 0 ||
	    setresuid(pd->uid, pd->uid, pd->uid) < 0 ||
	    prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L) < 0) {
		log_always(LOG_ERR, "switching to user '%s': %s", pd->name,
			   strerror(errno));
		return -1;
	}
	return 0;
}

/* Permitted and effective down to kept_cap (if held at all).  Returns
 * -1 with errno when capset() was needed and refused. */
static int trim_caps(bool must)
{
	cap_t cur = cap_get_proc(), want = cap_init();
	cap_flag_value_t have = CAP_CLEAR;
	int rc = -1;

	if (!cur || !want)
		goto out;
	cap_get_flag(cur, kept_cap, CAP_PERMITTED, &have);
	if (have == CAP_SET) {
		cap_set_flag(want, CAP_PERMITTED, 1, &kept_cap, CAP_SET);
		cap_set_flag(want, CAP_EFFECTIVE, 1, &kept_cap, CAP_SET);
	}
	/* Inheritable only matters with ambient, cleared below: keep what
	 * systemd set rather than call capset() just for it. */
	if (!must) {
		rc = 0;
		if (!CAP_DIFFERS(cap_compare(cur, want), CAP_PERMITTED) &&
		    !CAP_DIFFERS(cap_compare(cur, want), CAP_EFFECTIVE))
			goto out;
		for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
			cap_flag_value_t v = CAP_CLEAR;

			cap_get_flag(cur, c, CAP_INHERITABLE, &v);
			cap_set_flag(want, CAP_INHERITABLE, 1, &c, v);
		}
	}
	rc = cap_set_proc(want);
out:
	cap_free(cur);
	cap_free(want);
	return rc;
}

static void log_result(void)
{
	cap_t cur = cap_get_proc();
	char *text = cur ? cap_to_text(cur, NULL) : NULL;

	log_always(LOG_NOTICE, "running as uid %u gid %u, capabilities '%s'",
		   (unsigned)getuid(), (unsigned)getgid(), text ? text : "?");
	cap_free(text);
	cap_free(cur);
}

int privdrop_apply(const char *user)
{
	struct privdrop priv, *pd = &priv;

	if (lookup(user, pd) < 0)
		return -1;
	if (geteuid() == 0 && !pd->switch_user)
		return 0; /* daemon.user = root, warned by lookup() */
	if (pd->switch_user) {
		if (switch_user(pd) < 0)
			return -1;
		if (trim_caps(true) < 0) {
			log_always(LOG_ERR, "capabilities: %s",
				   strerror(errno));
			return -1;
		}
		/* Paranoia (CERT POS37-C): there must be no way back. */
		if (setuid(0) == 0) {
			log_always(LOG_ERR, "could regain root after "
					    "dropping it");
			return -1;
		}
	} else if (trim_caps(false) < 0) {
		/* Only systemd's seccomp filter refuses this, and its
		 * bounding set already holds no more than CAP_NET_RAW. */
		log_always(LOG_WARNING, "capabilities not trimmed: %s",
			   strerror(errno));
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0L, 0L, 0L) < 0 &&
	    errno != EINVAL) {
		log_always(LOG_ERR, "ambient capabilities: %s",
			   strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0) {
		log_always(LOG_ERR, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	log_result();
	return 0;
}
