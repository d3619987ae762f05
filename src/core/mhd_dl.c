/*
 * mhd_dl.c - libmicrohttpd loaded with dlopen() on demand (mhd_dl.h).
 *
 * The only file that knows libmicrohttpd's soname and Debian package;
 * dynlib.c opens it and resolves the functions all or nothing.  It needs
 * no initialisation call (its constructor does that) and, once loaded,
 * is never closed: it and GnuTLS keep global state.
 */
#include "dynlib.h"
#include "mhd_dl.h"

#define MHD_DL_SONAME  "libmicrohttpd.so.12"
#define MHD_DL_PACKAGE "libmicrohttpd12"

DYNLIB_DEFINE_TABLE(lib, MHD_DL_SYMBOLS, MHD_DL_PACKAGE);

int mhd_dl_open_name(const char *soname)
{
	return dynlib_open(&lib, soname);
}

int mhd_dl_open(void)
{
	return mhd_dl_open_name(MHD_DL_SONAME);
}

bool mhd_dl_loaded(void)
{
	return dynlib_loaded(&lib);
}

const char *mhd_dl_error(void)
{
	return dynlib_error(&lib);
}
