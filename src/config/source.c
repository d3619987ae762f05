/*
 * source.c - reads a config file and its @include files into the one text
 * libconfig parses, with a map from that text's lines back to FILE:LINE.
 *
 * The directive is libconfig's: a line that starts, outside a comment or
 * a string, with blanks, "@include", blanks and a quoted name (escapes \\
 * and \").  A relative name is relative to the top file's directory at
 * every depth, as libconfig's include_dir is.  The directive's line becomes
 * the included text, then whatever followed the closing quote.  scan()
 * follows libconfig's lexer only as far as that needs: comments (slash
 * star, //, #) and strings carry over lines and files, so an "@include" in
 * them stays text; on the way it refuses "\x00" in a string, which
 * libconfig would silently drop.
 *
 * A file is stat()ed before it is opened, so a device is never opened at
 * all (opening some has side effects); the open is O_NONBLOCK and fstat()
 * looks again, so a FIFO swapped in meanwhile cannot block the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "source.h"

#define FNV64_OFFSET 0xcbf29ce484222325ULL
#define FNV64_PRIME  0x100000001b3ULL

enum lex {
	LEX_CODE,
	LEX_COMMENT, /* inside slash star ... star slash */
	LEX_STRING,
};

/* Lines line.. of the text come from lines file_line.. of names[file]. */
struct span {
	int line;
	int file;
	int file_line;
};

struct file_id {
	dev_t dev;
	ino_t ino;
	int file; /* index into names */
};

/* Where an @include directive is; name NULL stands for the top file. */
struct at {
	int file;
	int line;
	const char *name; /* as written */
};

struct cfg_source {
	struct cfg_ctx *ctx;
	char *dir; /* of ctx->path */
	char *text;
	size_t len, cap;
	int line; /* of the text, being written; 1-based */
	struct span *spans;
	size_t n_spans, cap_spans;
	char *names[CFG_FILES_MAX]; /* as errors name them; [0] NULL */
	int n_files;
	struct file_id chain[CFG_DEPTH_MAX + 1]; /* files being expanded */
	int depth;				 /* entries in chain */
	size_t total;				 /* bytes of all files */
	enum lex lex;
	uint64_t hash;
};

/* Record a problem at line of names[file]; with include, one with the
 * file that an @include line there names. */
static void src_verror(struct cfg_source *src, int file, int line,
		       const char *include, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

static void src_verror(struct cfg_source *src, int file, int line,
		       const char *include, const char *fmt, va_list ap)
{
	char msg[sizeof(((struct config_error *)0)->msg)];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (include)
		cfg_error(src->ctx, src->names[file], line,
			  "@include \"%s\": %s", include, msg);
	else
		cfg_error(src->ctx, src->names[file], line, "%s", msg);
}

static void src_error(struct cfg_source *src, int file, int line,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void src_error(struct cfg_source *src, int file, int line,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	src_verror(src, file, line, NULL, fmt, ap);
	va_end(ap);
}

/* A problem with a file to read: the top file's own (at->name NULL, no
 * line), or one at the @include line that names it. */
static void at_error(struct cfg_source *src, const struct at *at,
		     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void at_error(struct cfg_source *src, const struct at *at,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	src_verror(src, at->file, at->line, at->name, fmt, ap);
	va_end(ap);
}

const char *cfg_file_kind(mode_t mode)
{
	if (S_ISREG(mode))
		return NULL;
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	return "not a regular file";
}

static void open_failed(struct cfg_source *src, const struct at *at, int err)
{
	if (at->name && err == ENOENT)
		src_error(src, at->file, at->line, "cannot open include file");
	else
		at_error(src, at, "cannot open: %s", strerror(err));
}

/* All of fd up to CFG_FILE_MAX bytes, NUL-terminated; NULL after
 * reporting why not.  A byte more than that is "too large". */
static char *read_all(struct cfg_source *src, int fd, const struct at *at,
		      size_t *len)
{
	size_t n = 0, cap = 16384;
	char *buf = malloc(cap + 1), *b;
	ssize_t r;

	if (!buf)
		goto oom;
	for (;;) {
		if (n == cap) {
			if (cap > CFG_FILE_MAX) {
				at_error(src, at, "file larger than %d MiB",
					 CFG_FILE_MAX >> 20);
				goto fail;
			}
			cap = cap * 2 > CFG_FILE_MAX ? CFG_FILE_MAX + 1
						     : cap * 2;
			b = realloc(buf, cap + 1);
			if (!b)
				goto oom;
			buf = b;
		}
		r = read(fd, buf + n, cap - n);
		if (r > 0)
			n += (size_t)r;
		else if (r == 0)
			break;
		else if (errno != EINTR)
			goto fail_read;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
fail_read:
	at_error(src, at, "cannot read: %s", strerror(errno));
	goto fail;
oom:
	at_error(src, at, "out of memory");
fail:
	free(buf);
	return NULL;
}

/* The whole of path, which must be a regular file; NULL after reporting
 * why not.  *id gets its identity. */
static char *file_read(struct cfg_source *src, const char *path,
		       const struct at *at, size_t *len, struct file_id *id)
{
	struct stat st;
	const char *kind;
	char *buf;
	int fd;

	if (stat(path, &st) < 0) {
		open_failed(src, at, errno);
		return NULL;
	}
	fd = -1;
	kind = cfg_file_kind(st.st_mode);
	if (!kind) {
		fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			open_failed(src, at, errno);
			return NULL;
		}
		if (fstat(fd, &st) < 0)
			st.st_mode = 0;
		kind = cfg_file_kind(st.st_mode);
	}
	buf = NULL;
	if (kind)
		at_error(src, at, "is %s", kind);
	else if (st.st_size > CFG_FILE_MAX)
		at_error(src, at, "file larger than %d MiB",
			 CFG_FILE_MAX >> 20);
	else
		buf = read_all(src, fd, at, len);
	if (fd >= 0)
		close(fd);
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return buf;
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/*
 * Is [p, eol) an @include line?  0: no; 1: yes, with the name unescaped
 * into name[size] and *rest after the closing quote; -1: a broken one,
 * *why says how.
 */
static int directive_parse(const char *p, const char *eol, char *name,
			   size_t size, const char **rest, const char **why)
{
	static const char word[] = "@include";
	const size_t wlen = sizeof(word) - 1;
	size_t n = 0;

	p = skip_blanks(p, eol);
	if ((size_t)(eol - p) <= wlen || memcmp(p, word, wlen) != 0 ||
	    (p[wlen] != ' ' && p[wlen] != '\t'))
		return 0;
	p = skip_blanks(p + wlen, eol);
	if (p == eol || *p != '"')
		return 0;
	for (p++; p < eol && *p != '"'; p++) {
		if (*p == '\\') {
			if (p + 1 == eol || (p[1] != '\\' && p[1] != '"')) {
				*why = "only \\\\ and \\\" may follow a "
				       "backslash";
				return -1;
			}
			p++;
		}
		if (n + 1 == size) {
			*why = "file name too long";
			return -1;
		}
		name[n++] = *p;
	}
	*why = p == eol ? "no closing quote on the line"
	       : n == 0 ? "empty file name"
			: NULL;
	if (*why)
		return -1;
	name[n] = '\0';
	*rest = p + 1;
	return 1;
}

/* A backslash at p in a string: how many bytes after it the escape
 * takes (libconfig: \\ and \" take one, \xHH three).  "\x00" is an
 * error: libconfig would drop the byte and shorten the value. */
static int escape_len(struct cfg_source *src, int file, int line, const char *p,
		      const char *eol)
{
	if (p + 1 < eol && (p[1] == '\\' || p[1] == '"'))
		return 1;
	if (eol - p >= 4 && (p[1] == 'x' || p[1] == 'X') && p[2] == '0' &&
	    p[3] == '0') {
		src_error(src, file, line,
			  "\"\\x00\" (a NUL byte) in a string");
		return 3;
	}
	return 0;
}

/* Follow comments and strings over one line of names[file]. */
static void scan(struct cfg_source *src, int file, int line, const char *p,
		 const char *eol)
{
	for (; p < eol; p++) {
		bool two = p + 1 < eol;

		switch (src->lex) {
		case LEX_COMMENT:
			if (*p == '*' && two && p[1] == '/') {
				src->lex = LEX_CODE;
				p++;
			}
			break;
		case LEX_STRING:
			if (*p == '"')
				src->lex = LEX_CODE;
			else if (*p == '\\')
				p += escape_len(src, file, line, p, eol);
			break;
		case LEX_CODE:
			if (*p == '"') {
				src->lex = LEX_STRING;
			} else if (*p == '/' && two && p[1] == '*') {
				src->lex = LEX_COMMENT;
				p++;
			} else if (*p == '#' ||
				   (*p == '/' && two && p[1] == '/')) {
				return;
			}
			break;
		}
	}
}

static int grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 64;
	void *n;

	while (c < need)
		c *= 2;
	if (c == *cap)
		return 0;
	n = realloc(*v, c * elem);
	if (!n)
		return -1;
	*v = n;
	*cap = c;
	return 0;
}

/* Append [p, eol) and a newline to the text as line `line` of file. */
static int emit_line(struct cfg_source *src, int file, int line, const char *p,
		     const char *eol)
{
	size_t n = (size_t)(eol - p);
	struct span *s = src->n_spans ? &src->spans[src->n_spans - 1] : NULL;

	scan(src, file, line, p, eol);
	if (!s || s->file != file ||
	    s->file_line + (src->line - s->line) != line) {
		if (grow((void **)&src->spans, &src->cap_spans,
			 src->n_spans + 1, sizeof(*s)) < 0)
			return -1;
		src->spans[src->n_spans++] =
			(struct span){ src->line, file, line };
	}
	if (grow((void **)&src->text, &src->cap, src->len + n + 2, 1) < 0)
		return -1;
	memcpy(src->text + src->len, p, n);
	src->len += n;
	src->text[src->len++] = '\n';
	src->text[src->len] = '\0';
	src->line++;
	return 0;
}

static uint64_t fnv1a64(uint64_t h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= FNV64_PRIME;
	}
	return h;
}

static int expand(struct cfg_source *src, int file, const char *buf,
		  size_t len);

/* The file being expanded that id is, or -1. */
static int chain_find(const struct cfg_source *src, const struct file_id *id)
{
	for (int i = 0; i < src->depth; i++)
		if (src->chain[i].dev == id->dev &&
		    src->chain[i].ino == id->ino)
			return src->chain[i].file;
	return -1;
}

/* Hash buf, read as names[id->file], refuse a NUL byte in it, expand it
 * into the text.  -1 only when out of memory. */
static int file_add(struct cfg_source *src, const struct file_id *id,
		    const char *buf, size_t len)
{
	const char *nul = memchr(buf, '\0', len);
	int line = 1, r;

	src->hash = fnv1a64(src->hash, buf, len);
	src->total += len;
	if (nul) {
		for (const char *p = buf; p < nul; p++)
			line += *p == '\n';
		src_error(src, id->file, line, "a NUL byte in the file");
		return 0;
	}
	src->chain[src->depth++] = *id;
	r = expand(src, id->file, buf, len);
	src->depth--;
	return r;
}

/* The path to open for an @include name, which is also how errors name
 * the file: relative to the top file's directory. */
static char *include_path(const struct cfg_source *src, const char *name)
{
	char *path;

	if (name[0] == '/' || strcmp(src->dir, ".") == 0)
		return strdup(name);
	return asprintf(&path, "%s/%s", src->dir, name) < 0 ? NULL : path;
}

/* Read and expand the file an @include line names.  -1 only when out of
 * memory; every other problem is an error at the line. */
static int include(struct cfg_source *src, const struct at *at)
{
	struct file_id id;
	char *path, *buf;
	size_t len;
	int seen, r = 0;

	if (src->depth > CFG_DEPTH_MAX) {
		at_error(src, at, "nested deeper than %d", CFG_DEPTH_MAX);
		return 0;
	}
	if (src->n_files == CFG_FILES_MAX) {
		at_error(src, at, "more than %d files", CFG_FILES_MAX);
		return 0;
	}
	path = include_path(src, at->name);
	if (!path)
		return -1;
	buf = file_read(src, path, at, &len, &id);
	seen = buf ? chain_find(src, &id) : -1;
	if (seen >= 0) {
		at_error(src, at, "a cycle: %s is being read already",
			 seen ? src->names[seen] : src->ctx->path);
	} else if (buf && src->total + len > CFG_TOTAL_MAX) {
		at_error(src, at,
			 "the files of the configuration exceed %d MiB",
			 CFG_TOTAL_MAX >> 20);
	} else if (buf) {
		id.file = src->n_files;
		src->names[src->n_files++] = path;
		path = NULL;
		r = file_add(src, &id, buf, len);
	}
	free(buf);
	free(path);
	return r;
}

/* Every line of buf, read as names[file], into the text; an @include
 * line becomes the file it names, then what followed the name. */
static int expand(struct cfg_source *src, int file, const char *buf, size_t len)
{
	const char *p, *eol, *end = buf + len, *rest = NULL, *why = NULL;
	char name[PATH_MAX];
	int line = 1, r;

	for (p = buf; p < end; p = eol < end ? eol + 1 : end, line++) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		r = 0;
		if (src->lex == LEX_CODE)
			r = directive_parse(p, eol, name, sizeof(name), &rest,
					    &why);
		if (r < 0) {
			src_error(src, file, line, "bad @include: %s", why);
			continue;
		}
		if (r > 0) {
			struct at at = { file, line, name };

			if (include(src, &at) < 0)
				return -1;
			p = rest;
		}
		if (emit_line(src, file, line, p, eol) < 0)
			return -1;
	}
	return 0;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

struct cfg_source *cfg_source_read(struct cfg_ctx *ctx)
{
	struct cfg_source *src = calloc(1, sizeof(*src));
	struct file_id id = { 0 };
	struct at top = { 0, 0, NULL };
	size_t first = ctx->errs->n, len = 0;
	char *buf = NULL;

	if (!src)
		goto oom;
	src->ctx = ctx;
	src->line = 1;
	src->hash = FNV64_OFFSET;
	src->n_files = 1;
	src->dir = dir_of(ctx->path);
	if (!src->dir || grow((void **)&src->text, &src->cap, 1, 1) < 0)
		goto oom;
	src->text[0] = '\0';
	buf = file_read(src, ctx->path, &top, &len, &id);
	if (!buf)
		goto fail;
	if (file_add(src, &id, buf, len) < 0)
		goto oom;
	free(buf);
	if (ctx->errs->n > first || ctx->oom)
		goto fail;
	return src;
oom:
	free(buf);
	cfg_error(ctx, NULL, 0, "out of memory");
fail:
	cfg_source_free(src);
	return NULL;
}

void cfg_source_free(struct cfg_source *src)
{
	if (!src)
		return;
	for (int i = 0; i < src->n_files; i++)
		free(src->names[i]);
	free(src->spans);
	free(src->text);
	free(src->dir);
	free(src);
}

const char *cfg_source_text(const struct cfg_source *src)
{
	return src->text;
}

uint64_t cfg_source_fingerprint(const struct cfg_source *src)
{
	return src->hash;
}

const char *cfg_source_where(const struct cfg_source *src, int line,
			     int *file_line)
{
	size_t lo = 0, hi = src->n_spans;
	const struct span *s;

	*file_line = line;
	if (!hi || line < 1)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (src->spans[mid].line <= line)
			lo = mid;
		else
			hi = mid;
	}
	s = &src->spans[lo];
	*file_line = s->file_line + (line - s->line);
	return src->names[s->file];
}
