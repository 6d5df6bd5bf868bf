/* Tests of the shortest round-trip text: every value reads back bit for bit
 * (random bit patterns over the whole range: subnormals, huge and tiny
 * exponents, both zeros), no shorter text would, and the everyday cases
 * read the way a person writes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/rng.h"
#include "cdrl/shortest.h"

/* Significant digits of a text: those of its mantissa, without leading
 * zeros (and without the trailing zeros of an integer such as "500"). */
static int significant_digits(const char *text)
{
    const char *e = strchr(text, 'e');
    size_t end = e ? (size_t)(e - text) : strlen(text);
    int first = -1, last = -1, count = 0;
    for (size_t i = 0; i < end; i++) {
        if (text[i] < '0' || text[i] > '9')
            continue;
        if (first < 0 && text[i] != '0')
            first = (int)i;
        if (first >= 0) {
            count++;
            if (text[i] != '0')
                last = count;
        }
    }
    return first < 0 ? 1 : last;
}

static void check_double(double v)
{
    cdrl_number_text t = cdrl_shortest_double(v);
    char *end;
    double back = strtod(t.text, &end);
    assert_int_equal(*end, '\0');
    if (memcmp(&back, &v, sizeof v) != 0)
        fail_msg("%.17g written as '%s' reads back as %.17g", v, t.text, back);
    /* one digit fewer, correctly rounded, no longer reads back */
    int digits = significant_digits(t.text);
    if (digits > 1) {
        char shorter[64];
        snprintf(shorter, sizeof shorter, "%.*e", digits - 2, v);
        double s = strtod(shorter, NULL);
        if (memcmp(&s, &v, sizeof v) == 0)
            fail_msg("%.17g written as '%s' but '%s' reads back too", v, t.text, shorter);
    }
}

static void check_float(float v)
{
    cdrl_number_text t = cdrl_shortest_float(v);
    char *end;
    float back = strtof(t.text, &end);
    assert_int_equal(*end, '\0');
    if (memcmp(&back, &v, sizeof v) != 0)
        fail_msg("%.9g written as '%s' reads back as %.9g", (double)v, t.text, (double)back);
    int digits = significant_digits(t.text);
    if (digits > 1) {
        char shorter[64];
        snprintf(shorter, sizeof shorter, "%.*e", digits - 2, (double)v);
        float s = strtof(shorter, NULL);
        if (memcmp(&s, &v, sizeof v) == 0)
            fail_msg("%.9g written as '%s' but '%s' reads back too", (double)v, t.text, shorter);
    }
}

static void everyday_values_read_naturally(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {33.4, "33.4"},          {0.1, "0.1"},       {500, "500"},       {487.77, "487.77"},
        {-2.5, "-2.5"},          {0.0, "0"},         {-0.0, "-0"},       {1e-5, "0.00001"},
        {1.5e-6, "1.5e-06"},     {1e16, "10000000000000000"},            {1e17, "1e+17"},
        {1e22, "1e+22"},         {123456789012345680.0, "1.2345678901234568e+17"},
        {1.0 / 3, "0.3333333333333333"},                                 {5e-324, "5e-324"},
        {DBL_MAX, "1.7976931348623157e+308"},                            {2.0 / 3 * 1e-300, "6.666666666666667e-301"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_string_equal(cdrl_shortest_double(cases[i].v).text, cases[i].text);
        check_double(cases[i].v);
    }
    assert_string_equal(cdrl_shortest_double(NAN).text, "nan");
    assert_string_equal(cdrl_shortest_double(-INFINITY).text, "-inf");
    assert_string_equal(cdrl_shortest_double(INFINITY).text, "inf");
    assert_true(isinf(strtod(cdrl_shortest_double(-INFINITY).text, NULL)));

    assert_string_equal(cdrl_shortest_float(0.1f).text, "0.1");
    assert_string_equal(cdrl_shortest_float(0.0123f).text, "0.0123");
    assert_string_equal(cdrl_shortest_float(16777216.0f).text, "16777216");
    assert_string_equal(cdrl_shortest_float(-0.0f).text, "-0");
    assert_string_equal(cdrl_shortest_float(FLT_MAX).text, "3.4028235e+38");
    assert_string_equal(cdrl_shortest_float(1e-45f).text, "1e-45");
    assert_string_equal(cdrl_shortest_float(NAN).text, "nan");
}

/* Every bit pattern is a double (bar NaNs): uniform patterns cover all
 * exponents alike, subnormals included. */
static void random_doubles_round_trip(void **state)
{
    (void)state;
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 2024, 0);
    int subnormals = 0;
    for (int i = 0; i < 100000; i++) {
        uint64_t bits = cdrl_rng_u64(&rng);
        if (i % 4 == 1) /* a quarter with exponent 0: subnormals and zeros */
            bits &= 0x800FFFFFFFFFFFFFull;
        if (i % 4 == 2) /* a quarter of short decimals, the CSV's daily fare */
        {
            double d = (double)(int64_t)(bits % 2000001) / 1000.0 - 1000.0;
            memcpy(&bits, &d, sizeof d);
        }
        double v;
        memcpy(&v, &bits, sizeof v);
        if (isnan(v))
            continue;
        subnormals += fpclassify(v) == FP_SUBNORMAL;
        check_double(v);
    }
    assert_true(subnormals > 20000);
    check_double(DBL_MIN);
    check_double(nextafter(DBL_MIN, 0));
    check_double(-DBL_MAX);
}

static void random_floats_round_trip(void **state)
{
    (void)state;
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 2024, 1);
    for (int i = 0; i < 100000; i++) {
        uint32_t bits = (uint32_t)cdrl_rng_u64(&rng);
        if (i % 4 == 1)
            bits &= 0x807FFFFFu;
        float v;
        memcpy(&v, &bits, sizeof v);
        if (isnan(v))
            continue;
        check_float(v);
    }
    check_float(FLT_MIN);
    check_float(-FLT_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(everyday_values_read_naturally),
        cmocka_unit_test(random_doubles_round_trip),
        cmocka_unit_test(random_floats_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
