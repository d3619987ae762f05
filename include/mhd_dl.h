/*
 * mhd_dl.h - libmicrohttpd, loaded only when the configuration serves
 * HTTP (metrics.enabled: /metrics, /healthz and the status page).
 *
 * Lifecycle: mhd_dl_open() once a config enables the metrics endpoint
 * (config_load() does it) → call libmicrohttpd through the sym_MHD_*
 * pointers → nothing: the library stays mapped for the life of the
 * process.  Linked in, libmicrohttpd and the GnuTLS stack it pulls in
 * (gnutls, p11-kit, nettle, hogweed, gmp, tasn1, idn2, unistring, ffi)
 * cost ~2.3 MiB of RSS even in a daemon that serves nothing.
 *
 * Each sym_MHD_x has the type of libmicrohttpd's own MHD_x, from
 * <microhttpd.h> (MHD_start_daemon, MHD_get_daemon_info and
 * MHD_get_connection_info are variadic, and so are their pointers).
 * They are NULL until mhd_dl_open() succeeds; only httpd.c calls them.
 */
#ifndef PL_MHD_DL_H
#define PL_MHD_DL_H

#include <microhttpd.h>
#include <stdbool.h>

#include "dynlib.h"

/* Every libmicrohttpd function pilotlight calls: add one here to use it. */
#define MHD_DL_SYMBOLS(X)                                                      \
	X(MHD_start_daemon)                                                    \
	X(MHD_stop_daemon)                                                     \
	X(MHD_run)                                                             \
	X(MHD_get_timeout)                                                     \
	X(MHD_get_daemon_info)                                                 \
	X(MHD_add_connection)                                                  \
	X(MHD_get_connection_info)                                             \
	X(MHD_lookup_connection_value)                                         \
	X(MHD_create_response_from_buffer)                                     \
	X(MHD_add_response_header)                                             \
	X(MHD_queue_response)                                                  \
	X(MHD_destroy_response)

MHD_DL_SYMBOLS(DYNLIB_DECLARE)

/* Load libmicrohttpd and resolve every symbol above.  Returns 0 (at once
 * when already loaded) or -1 with mhd_dl_error() saying why; a later call
 * tries again. */
int mhd_dl_open(void);

/* mhd_dl_open() with another file name: for the tests. */
int mhd_dl_open_name(const char *soname);

bool mhd_dl_loaded(void);

/* Why the last mhd_dl_open() failed, e.g. "libmicrohttpd.so.12: cannot
 * open shared object file: No such file or directory (install
 * libmicrohttpd12)"; "" if none did.  Static storage. */
const char *mhd_dl_error(void);

#endif
