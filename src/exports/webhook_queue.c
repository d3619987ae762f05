/*
 * webhook_queue.c - which events a webhook hears of, and the bounded,
 * ordered queue of alerts waiting for it, with retry and backoff.
 *
 * Pure logic on the caller's monotonic time, so the tests drive it on a
 * fake clock.  One alert per webhook is in flight at a time and alerts
 * go out in order: a receiver that is down holds the rest back rather
 * than seeing a recovery before its problem.  The queue holds
 * WEBHOOK_QUEUE_MAX alerts; a new one pushes out the oldest that is not
 * in flight (counted as dropped).  An alert is retried after
 * retry, 2*retry, 4*retry, ... (capped) until max_retries retries have
 * failed; then it is dropped as failed and the next one goes.
 */
#include <stdint.h>
#include <stdio.h>

#include "exports_int.h"

int64_t webhook_backoff_ms(int64_t retry_ms, int attempt)
{
	int64_t cap = retry_ms > WEBHOOK_BACKOFF_MAX_MS
			      ? retry_ms
			      : WEBHOOK_BACKOFF_MAX_MS;
	int64_t d = retry_ms;

	for (int i = 1; i < attempt && d < cap; i++)
		d *= 2;
	return d < cap ? d : cap;
}

bool webhook_wants(const struct webhook_cfg *w, const struct pl_event *e,
		   bool announced, bool *recovery)
{
	*recovery = false;
	if (e->kind != EVENT_STATE)
		return false;
	if (e->new_state == STATE_OK) {
		*recovery = announced;
		return announced;
	}
	return state_rank(e->new_state) >= state_rank(w->min_state);
}

static struct webhook_item *item_at(struct webhook_queue *q, int i)
{
	return &q->items[(q->head + i) % WEBHOOK_QUEUE_MAX];
}

void webhook_queue_push(struct webhook_queue *q, const struct pl_event *e,
			const char *host, enum webhook_kind kind,
			int64_t now_ns)
{
	if (q->n == WEBHOOK_QUEUE_MAX) {
		/* Drop the oldest not in flight: index 0, or 1 if busy. */
		int drop = q->busy ? 1 : 0;

		for (int i = drop; i < q->n - 1; i++)
			*item_at(q, i) = *item_at(q, i + 1);
		q->n--;
		q->dropped++;
	}
	*item_at(q, q->n) = (struct webhook_item){
		.ev = *e,
		.kind = kind,
		.due_ns = now_ns,
	};
	snprintf(item_at(q, q->n)->host, CFG_NAME_MAX, "%s", host);
	q->n++;
}

struct webhook_item *webhook_queue_due(struct webhook_queue *q, int64_t now_ns,
				       int64_t *next_ns)
{
	struct webhook_item *it;

	*next_ns = INT64_MAX;
	if (q->n == 0 || q->busy)
		return NULL;
	it = item_at(q, 0);
	if (it->due_ns > now_ns) {
		*next_ns = it->due_ns;
		return NULL;
	}
	return it;
}

static void pop(struct webhook_queue *q)
{
	q->head = (q->head + 1) % WEBHOOK_QUEUE_MAX;
	q->n--;
}

void webhook_queue_done(struct webhook_queue *q, const struct webhook_cfg *w,
			enum webhook_outcome o, int64_t now_ns)
{
	struct webhook_item *it;

	q->busy = false;
	if (q->n == 0)
		return;
	it = item_at(q, 0);
	it->attempts++;
	if (o == WEBHOOK_OK) {
		q->sent++;
		pop(q);
	} else if (o == WEBHOOK_REJECTED || it->attempts > w->max_retries) {
		q->failed++;
		pop(q);
	} else {
		it->due_ns =
			now_ns + webhook_backoff_ms(w->retry_ms, it->attempts) *
					 (int64_t)1000000;
	}
}

enum webhook_outcome webhook_outcome_of(long http_status)
{
	if (http_status >= 200 && http_status < 300)
		return WEBHOOK_OK;
	if (http_status == 0 || http_status >= 500 || http_status == 408 ||
	    http_status == 429)
		return WEBHOOK_RETRY;
	return WEBHOOK_REJECTED;
}
