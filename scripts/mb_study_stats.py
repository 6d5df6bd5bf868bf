#!/usr/bin/python3
"""The statistics of the mb exploration study (docs/uncertainty.md), from its files alone.

    /usr/bin/python3 scripts/mb_study_stats.py paired STUDY_TSV [BASE_SETTING]
    /usr/bin/python3 scripts/mb_study_stats.py sweep SWEEP_DIR [BASE_PREFIX]

paired: real episodes to solve per setting of a study.tsv (scripts/mb_explore_study.sh),
and per setting the seeds with fewer / the same / more episodes than BASE_SETTING (default
dropout-b0) and the mean difference with a 95 % percentile bootstrap interval over the
seeds (10,000 resamples of the seeds, numpy default_rng(0)).

sweep: per group of a `cdrl sweep` directory (its point names without the seed), the real
episodes to solve from each result.cfg (an unsolved run counts as 25, the swing-up's
budget), their interquartile mean with a 95 % bootstrap interval, and the probability that
a run needs fewer episodes than a run of the group named BASE_PREFIX (default the default:
concrete dropout, beta 0), ties counting half, with its interval (10,000 resamples of both
groups' runs, default_rng(0)). The sweep's own summary has these statistics for the final
return only.

numpy from Debian (python3-numpy), for the documentation only; cdrl does not use it.
"""
import glob
import os
import re
import sys

import numpy as np

REPS = 10000


def study_episodes(path):
    """{setting: {seed: episodes}} from a study.tsv."""
    out = {}
    for line in open(path):
        fields = line.rstrip('\n').split('\t')
        out.setdefault(fields[1], {})[int(fields[2])] = int(fields[4])
    return out


def paired(path, base_name):
    eps = study_episodes(path)
    base = eps[base_name]
    for name, runs in eps.items():
        seeds = sorted(s for s in runs if s in base)
        d = np.array([runs[s] - base[s] for s in seeds], float)
        rng = np.random.default_rng(0)
        means = d[rng.integers(0, len(d), size=(REPS, len(d)))].mean(axis=1)
        lo, hi = np.percentile(means, [2.5, 97.5])
        print(f'{name}: episodes {" ".join(str(runs[s]) for s in seeds)}; mean {np.mean([runs[s] for s in seeds]):.1f}; '
              f'against {base_name}: fewer/same/more {(d < 0).sum()}/{(d == 0).sum()}/{(d > 0).sum()}, '
              f'mean difference {d.mean():+.1f} [{lo:+.1f}, {hi:+.1f}]')


def iqm(x):
    x = np.sort(x)
    k = len(x) // 4
    return x[k:len(x) - k].mean()


def fewer(x, b):
    """P(a run of x needs fewer episodes than a run of b), ties half."""
    return ((x[:, None] < b[None, :]).sum() + 0.5 * (x[:, None] == b[None, :]).sum()) / (len(x) * len(b))


def sweep(directory, base_prefix):
    groups = {}
    for d in sorted(glob.glob(os.path.join(directory, 'runs', '*_seed*'))):
        path = os.path.join(d, 'result.cfg')
        text = open(path).read() if os.path.exists(path) else ''
        if 'status = "done"' not in text:
            continue
        episodes = int(re.search(r'^episodes = (\d+)', text, re.M).group(1))
        solved = re.search(r'^solved = true', text, re.M) is not None
        name, seed = re.match(r'(.*)_seed(\d+)$', os.path.basename(d)).groups()
        groups.setdefault(name, {})[int(seed)] = episodes if solved else 25
    base = np.array([v for _, v in sorted(groups[base_prefix].items())], float)
    rng = np.random.default_rng(0)
    for name, runs in groups.items():
        x = np.array([v for _, v in sorted(runs.items())], float)
        xi = rng.integers(0, len(x), size=(REPS, len(x)))
        bi = rng.integers(0, len(base), size=(REPS, len(base)))
        iqms = np.array([iqm(x[i]) for i in xi])
        ps = np.array([fewer(x[i], base[j]) for i, j in zip(xi, bi)])
        print(f'{name}: episodes {" ".join(str(int(v)) for v in x)}; IQM {iqm(x):.2f} '
              f'[{np.percentile(iqms, 2.5):.2f}, {np.percentile(iqms, 97.5):.2f}]; P(fewer than {base_prefix}) '
              f'{fewer(x, base):.2f} [{np.percentile(ps, 2.5):.2f}, {np.percentile(ps, 97.5):.2f}]')


if __name__ == '__main__':
    if len(sys.argv) < 3 or sys.argv[1] not in ('paired', 'sweep'):
        sys.exit(__doc__.split('\n\n')[1])
    if sys.argv[1] == 'paired':
        paired(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else 'dropout-b0')
    else:
        sweep(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else
              'mb_concrete_agent.model.uncertainty=dropout-agent.planner.beta=0.0')
