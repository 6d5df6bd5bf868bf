/* Tests of errors as values: a message is always one line (a quoted value
 * with a line break cannot split it), and a message longer than the line
 * keeps its beginning and its end, where the reason is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cdrl/error.h"

static void a_quoted_line_break_stays_one_line(void **state)
{
    (void)state;
    cdrl_error err;
    assert_int_equal(cdrl_errorf(&err, CDRL_EINVAL, "sweep.dropout[3] = \"%s\": not a setting", "fix\nel\r\te"),
                     CDRL_EINVAL);
    assert_null(strchr(err.msg, '\n'));
    assert_string_equal(err.msg, "sweep.dropout[3] = \"fix?el??e\": not a setting");
    assert_int_equal(cdrl_error_prefix(&err, "a\nfile.cfg:%d", 8), CDRL_EINVAL);
    assert_string_equal(err.msg, "a?file.cfg:8: sweep.dropout[3] = \"fix?el??e\": not a setting");
}

static void a_long_message_keeps_its_reason(void **state)
{
    (void)state;
    char path[4000];
    memset(path, 'p', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    cdrl_error err;
    cdrl_errorf(&err, CDRL_EIO, "%s: cannot create a temporary file: No space left on device", path);
    assert_true(strlen(err.msg) < sizeof err.msg);
    assert_non_null(strstr(err.msg, " ... "));
    const char *end = "No space left on device";
    assert_string_equal(err.msg + strlen(err.msg) - strlen(end), end);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_quoted_line_break_stays_one_line),
        cmocka_unit_test(a_long_message_keeps_its_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
