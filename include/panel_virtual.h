/*
 * panel_virtual.h - the virtual panels' few extra entry points, for tests.
 *
 * The term and json backends write to stdout and read the button from
 * stdin.  Tests point the output at a memory stream and feed the json
 * panel's input by hand, without a loop or a terminal.
 */
#ifndef PL_PANEL_VIRTUAL_H
#define PL_PANEL_VIRTUAL_H

#include <stddef.h>
#include <stdio.h>

/* Where backends opened from now on write; NULL restores stdout. */
void panel_json_set_output(FILE *out);
void panel_term_set_output(FILE *out);

/* Bytes as if read from stdin by the json backend b (what
 * panel_json_ops.open() returned): complete lines become presses. */
void panel_json_input(void *b, const char *data, size_t n);

#endif
