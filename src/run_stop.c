/* Stopping on SIGINT or SIGTERM without losing work.
 *
 * A signal handler may do almost nothing safely, so it only records the
 * signal; the training loop polls the record between updates, writes a
 * checkpoint and returns. A second signal means the user does not want to
 * wait: the default action is restored and the signal re-raised, ending the
 * process at once. Nothing is lost by that either, since checkpoints are
 * renamed into place whole. */
#include "cdrl/run_stop.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;
static char abandon_prefix[64] = "cdrl";
static char abandon_what[400] = "work since the last checkpoint is abandoned";

void cdrl_stop_set_abandon_note(const char *prefix, const char *what)
{
    snprintf(abandon_prefix, sizeof abandon_prefix, "%s", prefix);
    snprintf(abandon_what, sizeof abandon_what, "%s", what);
}

/* write(2) is async-signal-safe; stdio is not. */
static void say(const char *text)
{
    size_t n = strlen(text);
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, text, n);
        if (w <= 0)
            return;
        text += w;
        n -= (size_t)w;
    }
}

static void on_stop_signal(int sig)
{
    if (stop_signal != 0) {
        say(abandon_prefix);
        say(": second ");
        say(sig == SIGINT ? "SIGINT" : "SIGTERM");
        say(": stopping now; ");
        say(abandon_what);
        say("\n");
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    stop_signal = sig;
}

int cdrl_stop_install(cdrl_error *err)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    /* Restart interrupted reads and writes: the loop notices the flag at
     * its next poll, and file I/O must not fail half-way because of it. */
    sa.sa_flags = SA_RESTART;
    stop_signal = 0;
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
        return cdrl_errorf(err, CDRL_EIO, "cannot install signal handlers: %s", strerror(errno));
    return 0;
}

int cdrl_stop_requested(void)
{
    return stop_signal;
}

void cdrl_stop_request(void)
{
    stop_signal = -1;
}

int cdrl_stop_signalled(void)
{
    return stop_signal > 0 ? stop_signal : 0;
}

int cdrl_stop_poll(const char *during, cdrl_error *err)
{
    int sig = cdrl_stop_signalled();
    return sig ? cdrl_errorf(err, CDRL_EINTR, "stopped by %s during %s", cdrl_signal_name(sig), during) : 0;
}

void cdrl_stop_clear(void)
{
    stop_signal = 0;
}

static const struct {
    int sig;
    const char *name;
} signal_names[] = {{SIGINT, "INT"}, {SIGTERM, "TERM"}, {SIGKILL, "KILL"}, {SIGSEGV, "SEGV"}};

#define N_SIGNAL_NAMES (int)(sizeof signal_names / sizeof signal_names[0])

const char *cdrl_signal_name(int sig)
{
    static const char *full[] = {"SIGINT", "SIGTERM", "SIGKILL", "SIGSEGV"};
    if (sig == -1)
        return "request";
    for (int i = 0; i < N_SIGNAL_NAMES; i++)
        if (signal_names[i].sig == sig)
            return full[i];
    return "signal";
}

int cdrl_signal_number(const char *name)
{
    for (int i = 0; i < N_SIGNAL_NAMES; i++)
        if (strcmp(signal_names[i].name, name) == 0)
            return signal_names[i].sig;
    return 0;
}

/* "INT|TERM|KILL" -> "INT@N, TERM@N or KILL@N" */
static void expected_forms(const char *allowed, char *out, size_t size)
{
    char names[64];
    snprintf(names, sizeof names, "%s", allowed);
    int n = 0, count = 0;
    for (const char *c = names; *c; c++)
        count += *c == '|';
    out[0] = '\0';
    char *save = NULL;
    for (char *tok = strtok_r(names, "|", &save); tok; tok = strtok_r(NULL, "|", &save), n++)
        snprintf(out + strlen(out), size - strlen(out), "%s%s@N", n == 0 ? "" : n == count ? " or " : ", ", tok);
}

static int name_allowed(const char *allowed, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = allowed; (p = strstr(p, name)) != NULL; p += len)
        if ((p == allowed || p[-1] == '|') && (p[len] == '|' || p[len] == '\0'))
            return 1;
    return 0;
}

int cdrl_test_raise_parse(const char *spec, const char *allowed, int *sig, long *after,
                          cdrl_error *err)
{
    *sig = 0;
    *after = 0;
    if (!spec || !*spec)
        return 0;
    char name[8], extra, forms[128];
    long n;
    if (sscanf(spec, "%7[A-Z]@%ld%c", name, &n, &extra) == 2 && n >= 1 && name_allowed(allowed, name) &&
        (*sig = cdrl_signal_number(name)) != 0) {
        *after = n;
        return 0;
    }
    *sig = 0;
    expected_forms(allowed, forms, sizeof forms);
    return cdrl_errorf(err, CDRL_EINVAL, "CDRL_TEST_RAISE=%s: expected %s", spec, forms);
}
