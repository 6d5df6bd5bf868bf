/* How a candidate's particles become one score: their mean return plus beta
 * times their spread (see planner.h, cdrl_planner_particle_scores).
 *
 * Kept apart from the rollout loop so that any planner over particles (random
 * shooting, discrete CEM, a continuous CEM) scores candidates the same way,
 * and so that beta = 0 is visibly the old arithmetic: the mean is summed in
 * the same order and divided once, and the spread never enters the score. */
#include "planner.h"

#include <math.h>

void cdrl_planner_particle_scores(const double *total, int C, int P, double beta, double *score,
                                  double *mean, double *spread)
{
    for (int c = 0; c < C; c++) {
        double s = 0.0;
        for (int p = 0; p < P; p++)
            s += total[(size_t)p * C + c];
        double m = s / P, sq = 0.0;
        for (int p = 0; p < P; p++) {
            double e = total[(size_t)p * C + c] - m;
            sq += e * e;
        }
        double sd = sqrt(sq / P);
        mean[c] = m;
        spread[c] = sd;
        score[c] = beta == 0.0 ? m : m + beta * sd;
    }
}
