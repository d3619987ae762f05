/*
 * curl_dl.c - libcurl loaded with dlopen() on demand (curl_dl.h).
 *
 * The only file that knows libcurl's soname, Debian package and oldest
 * usable version; dynlib.c opens it and resolves the functions all or
 * nothing.  A library older than that is closed again (only
 * curl_version_info() has run); otherwise curl_global_init() runs, and
 * from then on the library is never closed: libcurl and its TLS stack
 * keep global state and thread-local data that dlclose() would pull from
 * under them.
 */
#include "curl_dl.h"
#include "dynlib.h"

#define CURL_DL_SONAME	"libcurl.so.4"
#define CURL_DL_PACKAGE "libcurl4"
/* CURLOPT_PROTOCOLS_STR and CURLOPT_REDIR_PROTOCOLS_STR came with 7.85.0,
 * the bound config/debian/control puts on libcurl4. */
#define CURL_DL_MIN_VERSION	 0x075500
#define CURL_DL_MIN_VERSION_TEXT "7.85.0"

DYNLIB_DEFINE_TABLE(lib, CURL_DL_SYMBOLS, CURL_DL_PACKAGE);

int curl_dl_open_name(const char *soname)
{
	const curl_version_info_data *v;
	CURLcode code;

	if (dynlib_loaded(&lib))
		return 0;
	if (dynlib_open(&lib, soname) < 0)
		return -1;
	v = sym_curl_version_info(CURLVERSION_NOW);
	if (!v || v->version_num < CURL_DL_MIN_VERSION)
		return dynlib_reject(&lib, true,
				     "%s is libcurl %s, pilotlight needs %s or "
				     "newer (install a newer %s)",
				     soname, v ? v->version : "?",
				     CURL_DL_MIN_VERSION_TEXT, CURL_DL_PACKAGE);
	code = sym_curl_global_init(CURL_GLOBAL_DEFAULT);
	if (code != CURLE_OK) /* stays mapped: it may have started */
		return dynlib_reject(&lib, false, "curl_global_init: %s",
				     sym_curl_easy_strerror(code));
	return 0;
}

int curl_dl_open(void)
{
	return curl_dl_open_name(CURL_DL_SONAME);
}

bool curl_dl_loaded(void)
{
	return dynlib_loaded(&lib);
}

const char *curl_dl_error(void)
{
	return dynlib_error(&lib);
}
