/* Configuration: every knob is a key in a libconfig file, described by a schema.
 *
 * A module that has knobs (an agent, the run itself) describes them once, as a
 * static array of cdrl_cfg_key, each key naming a field of the module's own
 * plain struct by offsetof. Loading fills that struct:
 *
 *     defaults (from the schema) -> config file (optional) -> "key=value"
 *     overrides (from --set, in order) -> checks of every value
 *
 * and fails with ONE line naming where the bad value came from (file and line,
 * or the --set argument), the key and what is accepted. A key the schema does
 * not know is an error that suggests the nearest known key. Nothing is
 * half-applied: on error the destination structs hold unspecified values and
 * must not be used.
 *
 * Keys are full dotted paths ("agent.lr", "agent.policy.hidden"); in the file
 * the dots are libconfig groups:
 *
 *     agent: { lr = 3e-4; policy: { hidden = 64; }; };
 *
 * A run combines several schemas (the common run keys, the agent's keys) as an
 * array of cdrl_cfg_section, each with its own destination struct. A path may
 * appear in only one section.
 *
 * Writing the resolved config back (cdrl_config_write) gives a commented file
 * that loads to exactly the same values (floats are printed with enough digits
 * to round-trip), so a run can be repeated from the config saved in its run
 * directory. cdrl_config_hash fingerprints the resolved values for checkpoint
 * headers. */
#ifndef CDRL_CONFIG_H
#define CDRL_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "cdrl/error.h"

/* Longest string value + 1: string and choice fields are char[CDRL_CFG_STR_MAX]. */
#define CDRL_CFG_STR_MAX 128

/* The type of a key and the C type of its field in the destination struct. */
typedef enum {
    CDRL_CFG_INT,    /* int */
    CDRL_CFG_INT64,  /* int64_t (step budgets, seeds) */
    CDRL_CFG_FLOAT,  /* double; an integer literal in the file is accepted */
    CDRL_CFG_BOOL,   /* int, 0 or 1; written true / false */
    CDRL_CFG_STRING, /* char[CDRL_CFG_STR_MAX]; checked by `validate` if set */
    CDRL_CFG_CHOICE, /* char[CDRL_CFG_STR_MAX]; one of the words in `choices` */
} cdrl_cfg_type;

/* Which ends of [min, max] apply to an INT, INT64 or FLOAT key (bit flags).
 * 0 = any value. A learning rate > 0 and <= 1 is
 * `.range = CDRL_CFG_MIN_EXCL | CDRL_CFG_MAX, .min = 0, .max = 1`. */
enum {
    CDRL_CFG_MIN = 1,      /* value >= min */
    CDRL_CFG_MIN_EXCL = 2, /* value >  min */
    CDRL_CFG_MAX = 4,      /* value <= max */
    CDRL_CFG_MAX_EXCL = 8, /* value <  max */
};

/* Checks a STRING value beyond its length. Returns 0 if `value` is accepted;
 * otherwise fills `err` with what is wrong and what is accepted (the loader
 * adds where and which key) and returns nonzero. */
typedef int (*cdrl_cfg_validator)(const char *value, cdrl_error *err);

/* One key of a schema. Schemas are static const arrays; write them with
 * designated initialisers:
 *
 *   {.path = "agent.lr", .type = CDRL_CFG_FLOAT, .offset = offsetof(pg_config, lr),
 *    .range = CDRL_CFG_MIN_EXCL | CDRL_CFG_MAX, .min = 0, .max = 1,
 *    .default_text = "3e-4", .help = "Adam learning rate"},
 *   {.path = "agent.activation", .type = CDRL_CFG_CHOICE, .offset = ...,
 *    .choices = "tanh|relu", .default_text = "tanh", .help = "hidden activation"},
 *
 * `default_text` is the value as it would be written in a config file, except
 * that strings are given without quotes ("tanh", not "\"tanh\""). A schema
 * whose default is itself invalid is a programming error reported by
 * cdrl_config_load like any other bad value. */
typedef struct {
    const char *path;          /* full dotted key path, e.g. "agent.lr" */
    cdrl_cfg_type type;
    size_t offset;             /* offsetof(field) in the section's destination struct */
    const char *default_text;  /* default value, as written in a config file */
    unsigned range;            /* CDRL_CFG_MIN | ... flags; 0 = unbounded */
    double min, max;           /* bounds used where `range` says so */
    const char *choices;       /* CHOICE only: accepted words, "tanh|relu" */
    cdrl_cfg_validator validate; /* STRING only, optional */
    const char *help;          /* one line, written as a comment in saved configs */
} cdrl_cfg_key;

/* A schema plus the struct it fills. */
typedef struct {
    const cdrl_cfg_key *keys;
    int n_keys;
    void *dst; /* the caller's struct; fields at keys[i].offset */
} cdrl_cfg_section;

/* Resolves a config into the sections' destination structs: every key set to
 * its default, then to the value in `file` (if not NULL), then to each
 * override "path=value" in order (if any), and finally every value checked.
 * Override values are parsed as in a file; quotes around strings are
 * optional (--set agent.dropout=concrete). `file` may not use @include.
 *
 * Errors (CDRL_EINVAL unless said), one line each:
 *   cannot read the file (CDRL_EIO)      "FILE: cannot read: No such file ..."
 *   syntax error                          "FILE:LINE: syntax error" (libconfig's words)
 *   unknown key                           "FILE:LINE: unknown key 'agent.lrr' (did you mean 'agent.lr'?)"
 *   wrong type                            "FILE:LINE: agent.hidden = 6.5: expects an integer in [1, 4096]"
 *   out of range                          "FILE:LINE: agent.lr = -1.0: out of range, accepted (0, 1]"
 *   not a choice                          "FILE:LINE: agent.activation = \"sigmoid\": accepted tanh|relu"
 *   rejected by a validator               "FILE:LINE: agent.dropout = \"fixed:2\": <validator's message>"
 *   bad override                          "--set agent.lr=abc: agent.lr expects a number in (0, 1]"
 *   bad value in an override              "--set agent.lr=0: out of range, accepted (0, 1]"
 *   a default that fails (none overrode)  "agent.x = ... (its default; set it in the config or with --set): ..."
 *   override without '='                  "--set agent.lr: expected key=value, e.g. ..."
 *   an integer beyond 64 bits             "FILE:LINE: integer 999... is too large (beyond 64 bits)"
 * A group where a value is expected (or the reverse) is a wrong type. Returns
 * 0 or the error code. */
int cdrl_config_load(const cdrl_cfg_section *sections, int n_sections, const char *file,
                     const char *const *overrides, int n_overrides, cdrl_error *err);

/* As cdrl_config_load, with the file's contents given as a string (`name` is
 * used in messages in place of a file name). Tests and the fuzzer use it. */
int cdrl_config_load_string(const cdrl_cfg_section *sections, int n_sections, const char *text,
                            const char *name, const char *const *overrides, int n_overrides,
                            cdrl_error *err);

/* Reads the string value of `path` from a config file without any schema, for
 * choosing the schema: cdrl train --config FILE reads "run.agent" first.
 * Returns 0 and fills out[out_size], with "" if the file has no string at
 * `path`; errors (unreadable file, syntax) as cdrl_config_load. */
int cdrl_config_peek_string(const char *file, const char *path, char *out, size_t out_size,
                            cdrl_error *err);

/* The resolved values as a libconfig text with each key's help and accepted
 * values as comments, grouped as in the file format; `header` (may be NULL)
 * becomes comment lines at the top. Loading the text again gives exactly the
 * same values. Returns 0 and sets *text to a malloc'd NUL-terminated string
 * the caller frees; CDRL_ENOMEM on allocation failure. This is what
 * --dry-run prints. */
int cdrl_config_format(const cdrl_cfg_section *sections, int n_sections, const char *header,
                       char **text, cdrl_error *err);

/* Writes cdrl_config_format's text to `path` atomically (temporary file in
 * the same directory, fsync, rename). Returns 0 or an error naming the path. */
int cdrl_config_write(const cdrl_cfg_section *sections, int n_sections, const char *header,
                      const char *path, cdrl_error *err);

/* 64-bit fingerprint (FNV-1a) of the resolved values: every key's path and
 * canonical value text, in schema order. Equal values give equal hashes on
 * every machine; a changed value (almost surely) changes it. */
uint64_t cdrl_config_hash(const cdrl_cfg_section *sections, int n_sections);

/* Writes into `out` the known key nearest to `path` by edit distance, for
 * "did you mean" messages. Returns 1 if one is near enough to suggest, else 0
 * (out is then ""). */
int cdrl_config_suggest(const cdrl_cfg_section *sections, int n_sections, const char *path,
                        char *out, size_t out_size);

/* ---- Dropout settings ------------------------------------------------------
 * Each network's dropout is a STRING key in the grammar of cdrl_dropout_parse
 * (dropout.h): "none", "fixed:P" (P in [0, 1)) or "concrete" (the rate is
 * learned). Agents name such keys "<...>.dropout" (e.g.
 * "agent.policy.dropout"): the --dropout flag of `cdrl train` and the
 * settings of `cdrl sweep` set every such key of the agent's schema. Use
 * cdrl_cfg_validate_dropout as the key's validator, and cdrl_dropout_parse on
 * the value when building the network. */

/* A cdrl_cfg_validator for dropout settings: cdrl_dropout_parse's grammar
 * and messages. */
int cdrl_cfg_validate_dropout(const char *value, cdrl_error *err);

/* 1 if `path` names a dropout key: its last dotted part is "dropout". */
int cdrl_cfg_is_dropout_key(const char *path);

/* The dropout keys of a schema keys[n_keys], in schema order: points
 * out[0..] at the paths (owned by the schema) of at most `cap` of them and
 * returns how many it stored. */
int cdrl_cfg_dropout_keys(const cdrl_cfg_key *keys, int n_keys, const char **out, int cap);

#endif
