/* Numbers as the shortest text that reads back to the same value: 33.4, not
 * 33.399999999999999, and still exactly the double (or float) written. Used
 * wherever cdrl writes numbers for people and programs alike (metrics.csv,
 * episodes.csv, the sweep's summary). */
#ifndef CDRL_SHORTEST_H
#define CDRL_SHORTEST_H

/* Room for the longest text: sign, 17 digits, point, "e-308", NUL. */
#define CDRL_SHORTEST_MAX 32

/* The text of one number, returned by value so that it can be formatted in
 * place: printf("%s", cdrl_shortest_double(v).text). */
typedef struct {
    char text[CDRL_SHORTEST_MAX];
} cdrl_number_text;

/* v with the fewest significant digits (1..17) for which printf's correctly
 * rounded text gives back exactly v through strtod, sign of zero included. Plain decimal notation for 1e-5 <= |v| < 1e17
 * ("500", "0.001", "-0"), else d.ddde+XX ("1e+22", "5e-324"). NaN is "nan",
 * infinities "inf" and "-inf" (which strtod reads back too). */
cdrl_number_text cdrl_shortest_double(double v);

/* The same for a float (1..9 digits), read back exactly by strtof. */
cdrl_number_text cdrl_shortest_float(float v);

#endif
