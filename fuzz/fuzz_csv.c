/* libFuzzer target: the CSV readers — the visualizer's table loader and the
 * resume path that cuts a run's CSV back to its checkpoint — take any bytes
 * and give a table of finite values (or missing ones) or one error line.
 *
 * Input: a byte saying how many data rows the "checkpoint" covers, then the
 * file's bytes. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdrl/run_csv.h"
#include "cdrl/viz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char path[] = "/tmp/fuzz_csv_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    cdrl_error err;
    cdrl_viz_table t;
    if (cdrl_viz_table_load(path, &t, &err) == 0) {
        for (int r = 0; r < t.n_rows; r++)
            for (int c = 0; c < t.n_cols; c++) {
                double v = t.values[(size_t)r * t.n_cols + c];
                if (!isnan(v) && !(fabs(v) <= 1e30))
                    abort(); /* drawn values are finite and of a sane size */
            }
        cdrl_viz_table_free(&t);
    }
    cdrl_csv *csv;
    if (cdrl_csv_resume(path, "a,b,c", data[0] % 8, &csv, &err) == 0)
        cdrl_csv_close(csv, &err);
    else if (!err.msg[0] || strchr(err.msg, '\n'))
        abort();
    unlink(path);
    return 0;
}
