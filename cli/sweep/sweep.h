/* Internal to the cdrl program: `cdrl sweep`, a grid of ordinary training
 * runs over agents, dropout settings, seeds and any other config keys.
 *
 * The pieces, one file each, in cli/sweep/ (the command line is
 * cli/cmd_sweep.c):
 *   sweep_file.c     reads and checks a sweep file, lists its points
 *   sweep_point.c    one point: its run directory, the child process that
 *                    trains it (`cdrl sweep --run-point DIR`), its result.cfg
 *   sweep_pool.c     runs the points over N local worker processes
 *   sweep_mpi.c      or hands them to the ranks of an MPI job (CDRL_MPI)
 *   sweep_summary.c  summary.csv and summary.md from the run directories;
 *                    calls sweep_plot.c for the pictures
 *   sweep_plot.c     the PNG plots, through the visualizer's headless canvas
 *   sweep_stats.c    what both of those read: quartiles, p columns, the
 *                    learned setting (it calls neither)
 *
 * A sweep directory holds sweep.cfg (a copy of the sweep file), runs/<point>/
 * (each an ordinary run directory plus result.cfg and log.txt), summary.csv,
 * summary.md and plots/. Everything in it can be recomputed from runs/. */
#ifndef CDRL_CLI_SWEEP_H
#define CDRL_CLI_SWEEP_H

#include <stdint.h>
#include <sys/types.h>

#include "cdrl/config.h"
#include "cdrl/error.h"
#include "cdrl/run.h"
#include "cdrl/stats.h"

#define SWEEP_MAX_AGENTS 8
#define SWEEP_MAX_ENVS 16
#define SWEEP_MAX_PAIR_SETS 16
#define SWEEP_MAX_SETTINGS 32
#define SWEEP_MAX_SEEDS 1024
#define SWEEP_MAX_SETS 64
#define SWEEP_MAX_AXES 8
#define SWEEP_MAX_VALUES 32
#define SWEEP_MAX_DROPOUT_KEYS 16
#define SWEEP_TEXT_MAX (2 * CDRL_CFG_STR_MAX + 2)

#define SWEEP_FILE "sweep.cfg"
#define SWEEP_RESULT_FILE "result.cfg"
#define SWEEP_LOG_FILE "log.txt"
#define SWEEP_RUNS_DIR "runs"

/* A "key=value" override and the line of the sweep file it came from. */
typedef struct {
    char text[SWEEP_TEXT_MAX];
    int line;
} sweep_override;

/* One extra grid axis: a config key and the values it takes. */
typedef struct {
    char key[CDRL_CFG_STR_MAX];
    char values[SWEEP_MAX_VALUES][CDRL_CFG_STR_MAX]; /* as written in a config file */
    int n_values;
    int line;
} sweep_axis;

/* What one agent does on one env of the sweep: the `<agent>_<env>` group
 * (e.g. `pg_acrobot: { set = ["run.steps=500000"]; };`), if the file has one. */
typedef struct {
    char config[CDRL_PATH_MAX];      /* base config; "" = the agent's, else configs/<agent>_<env>.cfg */
    int config_line;
    sweep_override sets[SWEEP_MAX_PAIR_SETS]; /* after the agent's own sets */
    int n_sets;
} sweep_pair;

/* What the sweep does with one agent. */
typedef struct {
    char name[CDRL_CFG_STR_MAX];
    char config[CDRL_PATH_MAX];      /* base config; "" = configs/<agent>_<env>.cfg */
    int config_line;
    char solve_in[16];               /* "env_steps" or "episodes": the cost of solving */
    char dropout_keys[SWEEP_MAX_DROPOUT_KEYS][CDRL_CFG_STR_MAX]; /* 0 keys = every *.dropout key */
    int n_dropout_keys;
    int dropout_keys_line;
    sweep_override sets[SWEEP_MAX_SETS];
    int n_sets;
    sweep_axis axes[SWEEP_MAX_AXES]; /* the sweep-wide axes first, then the agent's own */
    int n_axes;
    int n_combos;                    /* product of the axes' sizes (1 without axes) */
    int baseline_combo;              /* the combination sweep.baseline_grid names; -1 without
                                        one: each combination's baseline is its own */
    int line;
    sweep_pair pairs[SWEEP_MAX_ENVS]; /* per env of spec->envs, same index */
    int on_env[SWEEP_MAX_ENVS];       /* 1: the agent runs on spec->envs[e] (its group's
                                         envs, a subset of the sweep's; all by default) */
    int envs_line;
} sweep_agent;

/* A sweep file, read and checked (sweep_spec_load). */
typedef struct {
    char file[CDRL_PATH_MAX];
    char envs[SWEEP_MAX_ENVS][CDRL_CFG_STR_MAX]; /* sweep.env (one) or sweep.envs (a list) */
    int n_envs;
    int envs_line;
    int env_in_names;                 /* 1 with sweep.envs: points and plots carry the env's name */
    char out[CDRL_PATH_MAX];          /* the sweep directory ("" if the file names none) */
    char settings[SWEEP_MAX_SETTINGS][CDRL_CFG_STR_MAX];
    int n_settings;
    int settings_line;
    int baseline;                     /* the setting others are compared with (index) */
    sweep_override baseline_grid[SWEEP_MAX_AXES]; /* sweep.baseline_grid: "key=value", one per axis */
    int n_baseline_grid;
    int64_t seeds[SWEEP_MAX_SEEDS];
    int n_seeds;
    sweep_agent agents[SWEEP_MAX_AGENTS];
    int n_agents;
    int agents_line;
} sweep_spec;

/* One point of the grid. */
typedef struct {
    int agent;    /* index into spec->agents */
    int env;      /* index into spec->envs */
    int setting;  /* index into spec->settings */
    int combo;    /* index of the agent's axes combination */
    int seed;     /* index into spec->seeds */
    char name[CDRL_PATH_MAX / 4];  /* "pg_fixed-0.05_seed3", with sweep.envs
                                      "pg_acrobot_fixed-0.05_seed3": its directory's name */
    char dir[CDRL_PATH_MAX];       /* <sweep dir>/runs/<name> */
} sweep_point;

/* Reads the sweep file `path`: a `sweep` group (env or envs, agents,
 * dropout, seeds or n_seeds, out, set, grid), an optional group per agent
 * (config, set, grid, solve_in, dropout_keys) and per agent and env
 * (`<agent>_<env>`: config, set); see docs/sweep.md. Checks the form of every
 * value and names the file, line and key of the first mistake; unknown keys
 * suggest the nearest known one. Agents are checked against the registry;
 * the keys and values given to them are checked when the points are resolved
 * (cmd_sweep.c). `spec` is the caller's (it is large: allocate it). */
int sweep_spec_load(sweep_spec *spec, const char *path, cdrl_error *err);

/* Keeps only the agents named in only[n_only] (each must be in the file). */
int sweep_spec_keep_agents(sweep_spec *spec, const char *const *only, int n_only, cdrl_error *err);

/* Keeps only the envs named in only[n_only] (each must be in the file); the
 * points keep their names. */
int sweep_spec_keep_envs(sweep_spec *spec, const char *const *only, int n_only, cdrl_error *err);

/* Lists every point of the spec under sweep directory `dir`: agents in file
 * order, then envs, axes combinations, settings, seeds. *points is malloc'd (the
 * caller frees it). */
int sweep_points(const sweep_spec *spec, const char *dir, sweep_point **points, int *n_points,
                 cdrl_error *err);

/* The "key=value" overrides of one axes combination, n = agent->n_axes. */
void sweep_combo_overrides(const sweep_agent *agent, int combo, char out[][SWEEP_TEXT_MAX]);

/* The combination as one label, "agent.lr=0.001 run.steps=2000" ("" without axes). */
void sweep_combo_label(const sweep_agent *agent, int combo, char *out, size_t size);

/* ---- Results ------------------------------------------------------------- */

typedef enum { SWEEP_NOT_RUN, SWEEP_STOPPED, SWEEP_DONE, SWEEP_FAILED } sweep_status;

/* result.cfg of a point: how its last run ended. */
typedef struct {
    sweep_status status;
    int solved;
    int64_t env_steps, episodes, iterations;
    double final_return;  /* mean return over the env's solved window */
    double wall_seconds;  /* over every run of the point (resumes add up) */
    char message[CDRL_ERROR_MAX];
} sweep_result;

/* Reads dir/result.cfg; a missing file is SWEEP_NOT_RUN and no error. */
int sweep_result_read(const char *dir, sweep_result *out, cdrl_error *err);

/* 1 if point p belongs to the group (agent, combo, setting) and its run
 * finished (SWEEP_DONE), with its result in *r; else 0. */
int sweep_point_finished(const sweep_point *p, int agent, int combo, int setting, sweep_result *r);

/* Writes dir/result.cfg atomically. */
int sweep_result_write(const char *dir, const sweep_result *result, cdrl_error *err);

const char *sweep_status_name(sweep_status status);

/* ---- Running points ------------------------------------------------------- */

/* The child process of one point: `cdrl sweep --run-point DIR`. Trains the
 * run in DIR (resuming from its checkpoint if it has one) through the agent,
 * writes DIR/result.cfg and returns 0 when it did, else an exit status. */
int sweep_run_point(const char *dir);

/* Starts the child process of the point in `dir`: its own process group (a
 * Ctrl-C at the terminal reaches only the sweep, which passes it on once),
 * stopped by SIGTERM if the sweep dies, output to dir/log.txt. */
int sweep_child_start(const char *dir, pid_t *pid, cdrl_error *err);

/* After the child of `dir` ended with wait status `wstatus`: reads the
 * result it wrote, or, if it crashed, records the point as failed with what
 * happened (signal, or the last line of its log). A child stopped by the
 * sweep's own stop request is left to be resumed. Fills *out. */
int sweep_child_end(const char *dir, int wstatus, int stopping, sweep_result *out, cdrl_error *err);

/* One line about a result for the terminal: "solved at 51200 env steps,
 * return 480.1, 12.3 s". */
void sweep_result_line(const sweep_result *r, const char *solve_in, char *out, size_t size);

/* A point to run: its directory, its name for the terminal, and what its
 * cost of solving is counted in ("env_steps" or "episodes"). */
typedef struct {
    const char *dir;
    const char *label;
    const char *solve_in;
} sweep_job;

/* Runs jobs[n] over `workers` local child processes at a time, printing a
 * line as each ends. Stops starting new ones on SIGINT/SIGTERM and passes
 * the signal to the running ones. Returns 0, or CDRL_EINTR if stopped. */
int sweep_pool_run(const sweep_job *jobs, int n, int workers);

/* ---- MPI -------------------------------------------------------------------- */

/* 1 when built with MPI and started by mpirun with more than one rank; sets
 * *rank and *size. Calls MPI_Init then. Without MPI returns 0. */
int sweep_mpi_start(int *argc, char ***argv, int *rank, int *size);
void sweep_mpi_finish(void);

/* Rank 0: hands jobs[n] out to ranks 1..size-1, one at a time each,
 * printing a line as each ends; when none are left (or on a stop) it
 * releases the workers. Returns 0 or CDRL_EINTR. */
int sweep_mpi_coordinate(const sweep_job *jobs, int n);

/* Ranks > 0: runs the points rank 0 sends until it says stop. */
int sweep_mpi_work(void);

/* ---- Summary ---------------------------------------------------------------- */

/* Writes dir/summary.csv and dir/summary.md from the points' run
 * directories, and the plots in dir/plots/. `md_text`, if not NULL, gets the
 * markdown (malloc'd) for printing. */
int sweep_summarize(const sweep_spec *spec, const char *dir, char **md_text, cdrl_error *err);

/* The PNG plots of one agent, env and axes combination (`points` may be
 * just the agent's on the env: they are filtered by agent and combination): returns (running mean
 * across the seeds, one line per setting, with the IQR) and the learned p of
 * every layer for the concrete setting. Written to dir/plots/. */
int sweep_plot_group(const sweep_spec *spec, const sweep_point *points, int n_points, int agent,
                     int env, int combo, const char *dir, cdrl_error *err);

/* Every grid combination and setting of one agent on one env in one plot:
 * the fraction of its finished runs solved within x (env steps or real
 * episodes, the agent's solve_in), a line each, as
 * dir/plots/<agent>[_<env>]_all_solved.png: drawn when the sweep compares
 * combinations with one baseline (sweep.baseline_grid). */
int sweep_plot_all_combos(const sweep_spec *spec, const sweep_point *points, int n_points, int agent, int env,
                          const char *dir, cdrl_error *err);

/* The path, relative to the sweep directory, of a plot of one agent, env and
 * combination: "plots/pg_returns.png", with sweep.envs
 * "plots/pg_acrobot_returns.png" (what = "returns" or "p"); combo -1 is the
 * plot of every combination ("plots/pg_all_solved.png"). */
void sweep_plot_path(const sweep_spec *spec, int agent, int env, int combo, const char *what, char *out,
                     size_t size);

/* ---- What summary and plots share (sweep_stats.c) ------------------------------ */

/* 1 if a metrics.csv column holds a layer's dropout rate: a name starting
 * "p_" ("p_policy_l1", "p_model_l0", what the agents write and cdrl viz
 * plots). A "p" followed by a digit is accepted too, though no agent writes
 * one today. */
int sweep_is_p_column(const char *name);

/* Median and quartiles (linear interpolation between order statistics) of
 * x[n] (sorted in place); NaN for n == 0. */
void sweep_quartiles(double *x, int n, double *q1, double *median, double *q3);

/* 1 if the dropout setting is "concrete" (the learned rate). */
int sweep_setting_is_concrete(const char *setting);

/* The summary's and the plots' statistics over seeds (cdrl/stats.h): the
 * interquartile mean with a 95 % percentile bootstrap interval, and the
 * probability that a run of X ends higher than a run of Y, with its interval.
 * The bootstrap draws SWEEP_BOOTSTRAP_REPS resamples from a fixed seed, so a
 * summary is the same every time it is computed. NaN where n is 0. */
#define SWEEP_BOOTSTRAP_REPS 2000
#define SWEEP_BOOTSTRAP_SEED 0
#define SWEEP_BOOTSTRAP_LEVEL 0.95
void sweep_iqm_interval(const double *x, int n, int reps, cdrl_interval *out);
void sweep_improvement_interval(const double *x, int nx, const double *y, int ny, cdrl_interval *out);
/* The same for a cost, where lower is better: the probability that a run of
 * X costs less than a run of Y (ties counting half), with its interval. */
void sweep_reduction_interval(const double *x, int nx, const double *y, int ny, cdrl_interval *out);

#endif
