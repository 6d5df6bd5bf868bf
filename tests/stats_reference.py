#!/usr/bin/python3
"""Independent reference for tests/test_stats.c: the IQM and its stratified
bootstrap interval, and the probability of improvement with its interval,
computed with numpy/scipy (their generator, their trim_mean, their
percentiles) over many more resamples than the C test draws. The C results
must land within Monte-Carlo error of these. Run: /usr/bin/python3 tests/stats_reference.py"""
import numpy as np
from scipy.stats import trim_mean

# Two tasks (strata) of unequal size, the same numbers as in test_stats.c.
A = [np.array([12.0, 3.5, 7.25, 9.0, 15.5, 4.0, 8.0, 11.0, 6.5, 10.0]),
     np.array([-2.0, 0.5, 1.5, -0.25, 3.0, 2.25, 0.0])]
B = [np.array([10.0, 2.0, 6.0, 7.5, 9.5, 3.0, 5.0, 8.5, 4.5, 7.0]),
     np.array([-1.0, -0.5, 1.0, -2.5, 0.25, 1.75, -1.5])]
REPS = 400_000
rng = np.random.default_rng(12345)

def iqm(tasks):
    return trim_mean(np.concatenate(tasks), 0.25)

def resample(tasks):
    return [t[rng.integers(0, len(t), len(t))] for t in tasks]

def poi(x, y):
    return np.mean([np.mean((a[:, None] > b[None, :]) + 0.5 * (a[:, None] == b[None, :]))
                    for a, b in zip(x, y)])

iqms = np.array([iqm(resample(A)) for _ in range(REPS)])
pois = np.array([poi(resample(A), resample(B)) for _ in range(REPS)])
print("iqm point %.6f ci %.6f %.6f" % (iqm(A), *np.percentile(iqms, [2.5, 97.5])))
print("poi point %.6f ci %.6f %.6f" % (poi(A, B), *np.percentile(pois, [2.5, 97.5])))
