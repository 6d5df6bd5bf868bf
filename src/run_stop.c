/* Stopping on SIGINT or SIGTERM without losing work.
 *
 * A signal handler may do almost nothing safely, so it only records the
 * signal; the training loop polls the record between updates, writes a
 * checkpoint and returns. A second signal means the user does not want to
 * wait: the default action is restored and the signal re-raised, ending the
 * process at once. Nothing is lost by that either, since checkpoints are
 * renamed into place whole. */
#include "cdrl/run.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    if (stop_signal != 0) {
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

void cdrl_stop_clear(void)
{
    stop_signal = 0;
}
