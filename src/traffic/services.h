/*
 * services.h - the /etc/services names, read once at start (private to
 * src/traffic).
 *
 * Lifecycle: services_load() at start → services_named() per frame (a bit
 * test) and services_name() when a service enters the table → services_free().
 */
#ifndef PL_SERVICES_H
#define PL_SERVICES_H

#include <stdbool.h>
#include <stdint.h>

struct services;

/* Read path (NULL: /etc/services).  A missing or unreadable file gives an
 * empty table, not an error; NULL only when out of memory. */
struct services *services_load(const char *path);
void services_free(struct services *s);

/* Does proto/port (IPPROTO_TCP or IPPROTO_UDP) have a name? */
bool services_named(const struct services *s, uint8_t proto, uint16_t port);

/* Its first name in the file, or NULL.  Owned by s. */
const char *services_name(const struct services *s, uint8_t proto,
			  uint16_t port);

/* The port that names the service of a flow: the one with a name, the
 * lower when both or neither have one. */
uint16_t services_pick_port(const struct services *s, uint8_t proto,
			    uint16_t sport, uint16_t dport);

#endif
