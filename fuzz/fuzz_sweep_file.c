/* libFuzzer target: a sweep file is either a spec whose points all have
 * distinct names, or one error line — never a crash, a leak or two points
 * sharing a run directory (issue 20 D8).
 *
 * Input: the sweep file's text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/fuzz_sweep_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    static sweep_spec spec; /* over a megabyte: not on the stack */
    cdrl_error err;
    memset(&spec, 0, sizeof spec);
    if (sweep_spec_load(&spec, path, &err) == 0) {
        sweep_point *points;
        int n;
        if (sweep_points(&spec, "out", &points, &n, &err) == 0) {
            for (int i = 0; i < n; i++)
                for (int j = 0; j < i; j++)
                    if (strcmp(points[i].name, points[j].name) == 0)
                        abort();
            free(points);
        }
    } else if (!err.msg[0] || strchr(err.msg, '\n')) {
        abort(); /* an error is one line */
    }
    unlink(path);
    return 0;
}
