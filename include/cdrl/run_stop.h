/* Stopping a run on a signal: a flag the run loop polls. */
#ifndef CDRL_RUN_STOP_H
#define CDRL_RUN_STOP_H

#include "cdrl/error.h"

/* ---- Stopping on a signal ----------------------------------------------------
 * The CLI installs handlers for SIGINT and SIGTERM; the first signal only sets
 * a flag that training loops poll, so the loop can write a checkpoint and
 * return. A second signal while stopping ends the process at once (the last
 * checkpoint on disk is whole, because checkpoints are renamed into place). */

/* Installs the SIGINT and SIGTERM handlers and clears the flag. */
int cdrl_stop_install(cdrl_error *err);

/* Nonzero once a stop was requested: the signal number, or -1 if requested by
 * cdrl_stop_request. */
int cdrl_stop_requested(void);

/* Requests a stop as a signal would (tests; an agent reaching a limit). */
void cdrl_stop_request(void);

/* Clears the flag. */
void cdrl_stop_clear(void);

/* The signal number if a SIGNAL (not cdrl_stop_request) asked to stop, else
 * 0. Long loops inside one unit of work (MC sampling over many states) poll
 * it and return CDRL_EINTR, so that a user's Ctrl-C is honoured within about
 * a second; the run loop then abandons that unit and keeps the last
 * checkpoint. A request (the --viz window's quit) waits for the unit's end. */
int cdrl_stop_signalled(void);

/* The poll of such a loop: 0 while no signal asked to stop, else
 * CDRL_EINTR with "stopped by SIGINT during <during>" in err. */
int cdrl_stop_poll(const char *during, cdrl_error *err);

/* What a second signal says on stderr before it ends the process at once,
 * e.g. "cdrl train: second SIGINT: stopping now; work since the last
 * checkpoint in DIR is abandoned". `what` is copied (truncated to 400 bytes);
 * "SIGINT"/"SIGTERM" is filled in by the handler after `prefix`. */
void cdrl_stop_set_abandon_note(const char *prefix, const char *what);

/* The name of what cdrl_stop_requested() returned, for messages: "SIGINT",
 * "SIGTERM", "SIGKILL", "SIGSEGV", "request" for -1, "signal" otherwise.
 * A static string. */
const char *cdrl_signal_name(int sig);

/* The signal named `name` without its "SIG" ("INT", "TERM", "KILL", "SEGV"),
 * or 0 if it is none of these. */
int cdrl_signal_number(const char *name);

/* CDRL_TEST_RAISE=SIG@N: a test seam for kill-and-resume tests without
 * timing. Parses `spec` (NULL or "" means unset: *sig = 0) into the signal
 * and the progress line N >= 1 after which the caller raises it; `allowed`
 * lists the accepted names ("INT|TERM|KILL"). Bad text: CDRL_EINVAL
 * "CDRL_TEST_RAISE=x: expected INT@N, TERM@N or KILL@N". */
int cdrl_test_raise_parse(const char *spec, const char *allowed, int *sig, long *after,
                          cdrl_error *err);

#endif
