/*
 * dynlib.c - dlopen() a library and resolve its functions all or nothing
 * (dynlib.h), for the modules that know a library's soname, package and
 * checks (curl_dl.c, mhd_dl.c).
 *
 * A library without one of the functions is closed again: nothing of it
 * has been called.  One that resolved is closed only when its module
 * rejects it before calling anything with state (dynlib_reject()):
 * libcurl, libmicrohttpd and their TLS stacks keep global and
 * thread-local state that dlclose() would pull from under them.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>

#include "dynlib.h"

int dynlib_open(struct dynlib *lib, const char *soname)
{
	void *h;

	if (lib->handle)
		return 0;
	h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(lib->error, sizeof(lib->error), "%s (install %s)",
			 dlerror(), lib->package);
		return -1;
	}
	for (size_t i = 0; i < lib->n; i++) {
		/* POSIX guarantees that dlsym()'s void * converts to a
		 * function pointer; ISO C does not, hence the cast. */
		lib->fns[i] = (dynlib_fn)dlsym(h, lib->names[i]);
		if (lib->fns[i])
			continue;
		dlclose(h);
		snprintf(lib->error, sizeof(lib->error),
			 "%s has no %s: too old (install a newer %s)", soname,
			 lib->names[i], lib->package);
		return -1;
	}
	lib->handle = h;
	lib->store(lib->fns);
	lib->error[0] = '\0';
	return 0;
}

int dynlib_reject(struct dynlib *lib, bool unmap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lib->error, sizeof(lib->error), fmt, ap);
	va_end(ap);
	lib->store(NULL);
	if (unmap && lib->handle)
		dlclose(lib->handle);
	lib->handle = NULL;
	return -1;
}

bool dynlib_loaded(const struct dynlib *lib)
{
	return lib->handle != NULL;
}

const char *dynlib_error(const struct dynlib *lib)
{
	return lib->error;
}
