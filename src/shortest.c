/* Shortest round-trip text for doubles and floats, by search: print with 1,
 * 2, ... significant digits until the text reads back as the same value. At
 * most 17 tries for a double (9 for a float), each a printf and a strtod: a
 * few microseconds, which a CSV row written per episode or per update never
 * notices, and no digit-generation algorithm of our own to get wrong.
 *
 * The digits found are then laid out by hand rather than by %g, whose
 * shortest form of 500 is "5e+02". */
#include "cdrl/shortest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lays out the digits of "d.ddde±X" (as %.*e prints them) in plain decimal
 * when the exponent is moderate, else keeps the exponent form. */
static void layout(const char *e_form, cdrl_number_text *out)
{
    const char *p = e_form;
    char *o = out->text;
    if (*p == '-')
        *o++ = *p++;
    char digits[20];
    int n = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[n++] = *p;
    int exponent = atoi(p + 1);
    while (n > 1 && digits[n - 1] == '0') /* %.*e pads to the precision asked */
        n--;
    if (exponent < -5 || exponent >= 17) {
        *o++ = digits[0];
        if (n > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)(n - 1));
            o += n - 1;
        }
        snprintf(o, sizeof out->text - (size_t)(o - out->text), "e%c%02d", exponent < 0 ? '-' : '+',
                 abs(exponent));
        return;
    }
    if (exponent < 0) { /* 0.000ddd */
        *o++ = '0';
        *o++ = '.';
        for (int z = 0; z < -exponent - 1; z++)
            *o++ = '0';
        memcpy(o, digits, (size_t)n);
        o += n;
    } else { /* ddd.ddd or ddd000 */
        for (int i = 0; i <= exponent || i < n; i++) {
            if (i == exponent + 1)
                *o++ = '.';
            *o++ = i < n ? digits[i] : '0';
        }
    }
    *o = '\0';
}

/* Text for values that have no digits. 1 if v was one of them. */
static int special(double v, cdrl_number_text *out)
{
    if (isnan(v))
        snprintf(out->text, sizeof out->text, "nan");
    else if (isinf(v))
        snprintf(out->text, sizeof out->text, "%s", v < 0 ? "-inf" : "inf");
    else
        return 0;
    return 1;
}

cdrl_number_text cdrl_shortest_double(double v)
{
    cdrl_number_text out;
    if (special(v, &out))
        return out;
    char e_form[CDRL_SHORTEST_MAX];
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(e_form, sizeof e_form, "%.*e", digits - 1, v);
        double back = strtod(e_form, NULL);
        if (memcmp(&back, &v, sizeof v) == 0) /* bit for bit: -0 is not 0 */
            break;
    }
    layout(e_form, &out);
    return out;
}

cdrl_number_text cdrl_shortest_float(float v)
{
    cdrl_number_text out;
    if (special(v, &out))
        return out;
    char e_form[CDRL_SHORTEST_MAX];
    for (int digits = 1; digits <= 9; digits++) {
        snprintf(e_form, sizeof e_form, "%.*e", digits - 1, (double)v);
        float back = strtof(e_form, NULL);
        if (memcmp(&back, &v, sizeof v) == 0)
            break;
    }
    layout(e_form, &out);
    return out;
}
