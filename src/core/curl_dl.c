/*
 * curl_dl.c - libcurl loaded with dlopen() on demand (curl_dl.h).
 *
 * The only file that knows libcurl's soname and Debian package, and the
 * only one that calls dlopen/dlsym/dlerror.  All symbols resolve or none
 * is set: a library too old to have one is closed again and named in the
 * error.  A library that resolved is never closed: libcurl and its TLS
 * stack keep global state and thread-local data that dlclose() would
 * pull from under them.
 */
#include <dlfcn.h>
#include <stdio.h>

#include "curl_dl.h"

#define CURL_DL_SONAME	"libcurl.so.4"
#define CURL_DL_PACKAGE "libcurl4"

#define CURL_DL_DEFINE(sym) __typeof__(sym) *sym_##sym;
CURL_DL_SYMBOLS(CURL_DL_DEFINE)
#undef CURL_DL_DEFINE

static bool loaded;
static char error[512];

static void clear_symbols(void)
{
#define CURL_DL_CLEAR(sym) sym_##sym = NULL;
	CURL_DL_SYMBOLS(CURL_DL_CLEAR)
#undef CURL_DL_CLEAR
}

/* Returns NULL, or the first symbol h does not have. */
static const char *resolve(void *h)
{
	/* POSIX guarantees that dlsym()'s void * converts to a function
	 * pointer; ISO C does not, hence the cast. */
#define CURL_DL_RESOLVE(sym)                                                   \
	sym_##sym = (__typeof__(sym_##sym))dlsym(h, #sym);                     \
	if (!sym_##sym)                                                        \
		return #sym;
	CURL_DL_SYMBOLS(CURL_DL_RESOLVE)
#undef CURL_DL_RESOLVE
	return NULL;
}

int curl_dl_open_name(const char *soname)
{
	const char *missing;
	CURLcode code;
	void *h;

	if (loaded)
		return 0;
	h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(error, sizeof(error), "%s (install %s)", dlerror(),
			 CURL_DL_PACKAGE);
		return -1;
	}
	missing = resolve(h);
	if (missing) {
		clear_symbols();
		dlclose(h); /* nothing of it has run yet */
		snprintf(error, sizeof(error),
			 "%s has no %s: too old (install a newer %s)", soname,
			 missing, CURL_DL_PACKAGE);
		return -1;
	}
	code = sym_curl_global_init(CURL_GLOBAL_DEFAULT);
	if (code != CURLE_OK) {
		snprintf(error, sizeof(error), "curl_global_init: %s",
			 sym_curl_easy_strerror(code));
		clear_symbols(); /* stays mapped: it may have started */
		return -1;
	}
	loaded = true;
	error[0] = '\0';
	return 0;
}

int curl_dl_open(void)
{
	return curl_dl_open_name(CURL_DL_SONAME);
}

bool curl_dl_loaded(void)
{
	return loaded;
}

const char *curl_dl_error(void)
{
	return error;
}
