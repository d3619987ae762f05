/*
 * dynlib.h - a shared library opened with dlopen() when a config first
 * needs it, its functions resolved all or nothing.
 *
 * Lifecycle: a module (curl_dl.c) describes its library in a static
 * struct dynlib → dynlib_open() → a check of its own, dynlib_reject() if
 * it fails → its typed sym_* pointers are called → nothing: a library
 * that was accepted stays mapped for the life of the process.
 *
 * The module keeps an X-macro list of the functions it calls (X(name)
 * for each) and builds its pointers and its struct dynlib from it with
 * the DYNLIB_* macros below: each sym_name has the type of the library's
 * own name, from the library's header.  This module is the only one that calls
 * dlopen/dlsym/dlerror, and writes the messages a user reads.
 */
#ifndef PL_DYNLIB_H
#define PL_DYNLIB_H

#include <stdbool.h>
#include <stddef.h>

/* Any function pointer; converted to a sym_* pointer's own type. */
typedef void (*dynlib_fn)(void);

struct dynlib {
	const char *package;	  /* Debian package, for messages */
	const char *const *names; /* every function to resolve */
	dynlib_fn *fns;		  /* as many: scratch for dynlib_open() */
	size_t n;
	/* Set the sym_* pointers from fns, in the order of names; NULL
	 * sets them all to NULL. */
	void (*store)(const dynlib_fn *fns);
	void *handle; /* NULL until dynlib_open() succeeds */
	char error[512];
};

/* For a module's list: its header declares the pointers with
 * LIST(DYNLIB_DECLARE); its .c defines them, and a static struct dynlib
 * var for them that names package in its messages, with
 * DYNLIB_DEFINE_TABLE(var, LIST, package). */
#define DYNLIB_DECLARE(sym) extern __typeof__(sym) *sym_##sym;
#define DYNLIB_DEFINE(sym)  __typeof__(sym) *sym_##sym;
#define DYNLIB_NAME(sym)    #sym,
#define DYNLIB_STORE(sym)                                                      \
	sym_##sym = fns ? (__typeof__(sym_##sym))*fns++ : NULL;
#define DYNLIB_DEFINE_TABLE(var, LIST, pkg)                                    \
	LIST(DYNLIB_DEFINE)                                                    \
	static const char *const var##_names[] = { LIST(DYNLIB_NAME) };        \
	static dynlib_fn                                                       \
		var##_fns[sizeof(var##_names) / sizeof(var##_names[0])];       \
	static void var##_store(const dynlib_fn *fns)                          \
	{                                                                      \
		LIST(DYNLIB_STORE)                                             \
	}                                                                      \
	static struct dynlib var = { .package = (pkg),                         \
				     .names = var##_names,                     \
				     .fns = var##_fns,                         \
				     .n = sizeof(var##_fns) /                  \
					  sizeof(var##_fns[0]),                \
				     .store = var##_store }

/* dlopen() soname and resolve every name, then store() them.  Returns 0
 * (at once when already open) or -1 with dynlib_error() saying why, the
 * library closed again and the pointers left NULL; a later call tries
 * again.  Errors read "SONAME: cannot open shared object file: No such
 * file or directory (install PACKAGE)" and "SONAME has no NAME: too old
 * (install a newer PACKAGE)". */
int dynlib_open(struct dynlib *lib, const char *soname);

/* Undo a dynlib_open() whose library then failed the module's own check:
 * the error is formatted first (its arguments may point into the
 * library), the pointers are cleared and, if unmap, the library is
 * closed (only when nothing of it has run that could leave state
 * behind).  Returns -1. */
int dynlib_reject(struct dynlib *lib, bool unmap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

bool dynlib_loaded(const struct dynlib *lib);

/* Why the last dynlib_open() failed; "" if it did not.  Lives in lib. */
const char *dynlib_error(const struct dynlib *lib);

#endif
