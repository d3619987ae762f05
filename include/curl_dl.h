/*
 * curl_dl.h - libcurl, loaded only when the configuration needs it.
 *
 * Lifecycle: curl_dl_open() once a config has http checks or webhooks
 * (config_load() does it) → call libcurl through the sym_curl_* pointers
 * → nothing: the library stays mapped for the life of the process.
 * Linked in, libcurl and what it pulls in (TLS, Kerberos, LDAP, SSH...)
 * cost ~6 MiB of RSS even in a daemon that never speaks HTTP.
 *
 * Each sym_curl_x has the type of libcurl's own curl_x, from <curl/curl.h>.
 * They are NULL until curl_dl_open() succeeds; only code that runs for an
 * http check or a webhook may call them.  Calls through them lose the
 * compile-time option type checks of <curl/typecheck-gcc.h>.
 */
#ifndef PL_CURL_DL_H
#define PL_CURL_DL_H

#include <curl/curl.h>
#include <stdbool.h>

#include "dynlib.h"

/* Every libcurl function pilotlight calls: add one here to use it. */
#define CURL_DL_SYMBOLS(X)                                                     \
	X(curl_global_init)                                                    \
	X(curl_version_info)                                                   \
	X(curl_free)                                                           \
	X(curl_slist_append)                                                   \
	X(curl_slist_free_all)                                                 \
	X(curl_easy_init)                                                      \
	X(curl_easy_cleanup)                                                   \
	X(curl_easy_setopt)                                                    \
	X(curl_easy_getinfo)                                                   \
	X(curl_easy_strerror)                                                  \
	X(curl_url)                                                            \
	X(curl_url_cleanup)                                                    \
	X(curl_url_set)                                                        \
	X(curl_url_get)                                                        \
	X(curl_multi_init)                                                     \
	X(curl_multi_cleanup)                                                  \
	X(curl_multi_setopt)                                                   \
	X(curl_multi_add_handle)                                               \
	X(curl_multi_remove_handle)                                            \
	X(curl_multi_assign)                                                   \
	X(curl_multi_socket_action)                                            \
	X(curl_multi_info_read)

CURL_DL_SYMBOLS(DYNLIB_DECLARE)

/* Load libcurl, resolve every symbol above, refuse a libcurl older than
 * 7.85.0 and run curl_global_init().  Returns 0 (at once when already
 * loaded) or -1 with curl_dl_error() saying why; a later call tries
 * again. */
int curl_dl_open(void);

/* curl_dl_open() with another file name: for the tests. */
int curl_dl_open_name(const char *soname);

bool curl_dl_loaded(void);

/* Why the last curl_dl_open() failed, e.g. "libcurl.so.4: cannot open
 * shared object file: No such file or directory (install libcurl4)" or
 * "libcurl.so.4 is libcurl 7.74.0, pilotlight needs 7.85.0 or newer
 * (install a newer libcurl4)"; "" if none did.  Static storage. */
const char *curl_dl_error(void);

#endif
