/* Tests of the schema-driven config loader: every kind of mistake gives its
 * one-line message, overrides win over the file, and a written config loads
 * back to exactly the same values and hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cdrl/config.h"
#include "cdrl/dropout.h"
#include "cdrl/run.h"

typedef struct {
    int hidden;
    int64_t steps;
    double lr, gamma;
    int normalize;
    char activation[CDRL_CFG_STR_MAX];
    char dropout[CDRL_CFG_STR_MAX];
    char label[CDRL_CFG_STR_MAX];
} toy_config;

static const cdrl_cfg_key toy_keys[] = {
    {.path = "agent.hidden", .type = CDRL_CFG_INT, .offset = offsetof(toy_config, hidden),
     .default_text = "64", .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 4096,
     .help = "hidden units"},
    {.path = "agent.lr", .type = CDRL_CFG_FLOAT, .offset = offsetof(toy_config, lr),
     .default_text = "3e-4", .range = CDRL_CFG_MIN_EXCL | CDRL_CFG_MAX, .min = 0, .max = 1,
     .help = "learning rate"},
    {.path = "agent.policy.dropout", .type = CDRL_CFG_STRING, .offset = offsetof(toy_config, dropout),
     .default_text = "concrete", .validate = cdrl_cfg_validate_dropout, .help = "policy dropout"},
    {.path = "agent.activation", .type = CDRL_CFG_CHOICE, .offset = offsetof(toy_config, activation),
     .default_text = "tanh", .choices = "tanh|relu", .help = "activation"},
    {.path = "agent.normalize", .type = CDRL_CFG_BOOL, .offset = offsetof(toy_config, normalize),
     .default_text = "true", .help = "normalise advantages"},
    {.path = "agent.gamma", .type = CDRL_CFG_FLOAT, .offset = offsetof(toy_config, gamma),
     .default_text = "0.99", .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 0, .max = 1,
     .help = "discount"},
    {.path = "budget.steps", .type = CDRL_CFG_INT64, .offset = offsetof(toy_config, steps),
     .default_text = "1000", .range = CDRL_CFG_MIN, .min = 1, .help = "step budget"},
    {.path = "budget.label", .type = CDRL_CFG_STRING, .offset = offsetof(toy_config, label),
     .default_text = "plain", .help = "free text"},
};

static toy_config cfg;
static cdrl_cfg_section toy_section = {toy_keys, sizeof toy_keys / sizeof toy_keys[0], &cfg};

static int load(const char *text, const char *const *overrides, int n, cdrl_error *err)
{
    memset(&cfg, 0, sizeof cfg);
    cdrl_error_clear(err);
    return cdrl_config_load_string(&toy_section, 1, text, "t.cfg", overrides, n, err);
}

/* Loads and asserts failure with exactly `message`. */
static void expect_error(const char *text, const char *const *overrides, int n, const char *message)
{
    cdrl_error err;
    int rc = load(text, overrides, n, &err);
    assert_int_equal(rc, CDRL_EINVAL);
    assert_int_equal(err.code, CDRL_EINVAL);
    assert_string_equal(err.msg, message);
}

static void test_defaults(void **state)
{
    (void)state;
    cdrl_error err;
    assert_int_equal(load(NULL, NULL, 0, &err), 0);
    assert_int_equal(cfg.hidden, 64);
    assert_true(cfg.lr == 3e-4);
    assert_true(cfg.gamma == 0.99);
    assert_int_equal(cfg.normalize, 1);
    assert_int_equal(cfg.steps, 1000);
    assert_string_equal(cfg.activation, "tanh");
    assert_string_equal(cfg.dropout, "concrete");
}

static void test_file_then_overrides(void **state)
{
    (void)state;
    const char *text = "agent: {\n  hidden = 128;\n  lr = 1;\n  normalize = false;\n"
                       "  policy: { dropout = \"fixed:0.25\"; };\n};\n"
                       "budget: { steps = 5000000000; };\n";
    const char *set[] = {"agent.hidden=32", "agent.activation=relu", "budget.label=\"quoted\""};
    cdrl_error err;
    assert_int_equal(load(text, set, 3, &err), 0);
    assert_int_equal(cfg.hidden, 32);            /* override beats file */
    assert_true(cfg.lr == 1.0);                  /* integer literal for a float key */
    assert_int_equal(cfg.normalize, 0);
    assert_string_equal(cfg.dropout, "fixed:0.25");
    assert_string_equal(cfg.activation, "relu");
    assert_string_equal(cfg.label, "quoted");
    assert_true(cfg.steps == 5000000000LL);      /* beyond 32 bits, without an L */
}

static void test_unknown_key_suggests(void **state)
{
    (void)state;
    expect_error("agent: {\n  hidden = 2;\n  lrr = 0.1;\n};\n", NULL, 0,
                 "t.cfg:3: unknown key 'agent.lrr' (did you mean 'agent.lr'?)");
    expect_error("# comment\nlr = 0.1;\n", NULL, 0, "t.cfg:2: unknown key 'lr' (did you mean 'agent.lr'?)");
    expect_error("zzzzzzzzzzzz = 1;\n", NULL, 0, "t.cfg:1: unknown key 'zzzzzzzzzzzz'");
    char near[64];
    assert_int_equal(cdrl_config_suggest(&toy_section, 1, "agent.gama", near, sizeof near), 1);
    assert_string_equal(near, "agent.gamma");
    assert_int_equal(cdrl_config_suggest(&toy_section, 1, "qqqqqqqqqq", near, sizeof near), 0);
    assert_string_equal(near, "");
}

static void test_wrong_type(void **state)
{
    (void)state;
    expect_error("agent: { hidden = 6.5; };", NULL, 0,
                 "t.cfg:1: agent.hidden = 6.5: expects an integer in [1, 4096]");
    expect_error("agent: {\n lr = \"fast\"; };", NULL, 0,
                 "t.cfg:2: agent.lr = \"fast\": expects a number in (0, 1]");
    expect_error("agent: { normalize = 1; };", NULL, 0,
                 "t.cfg:1: agent.normalize = 1: expects true or false");
    expect_error("agent: { activation = 3; };", NULL, 0,
                 "t.cfg:1: agent.activation = 3: expects one of tanh|relu");
    expect_error("agent: { hidden: { x = 1; }; };", NULL, 0,
                 "t.cfg:1: agent.hidden = { ... }: expects an integer in [1, 4096]");
    expect_error("agent = 5;", NULL, 0,
                 "t.cfg:1: 'agent' is a group of keys such as agent.hidden; write agent: { ... };");
    expect_error("agent: { hidden = [1, 2]; };", NULL, 0,
                 "t.cfg:1: agent.hidden = [ ... ]: expects an integer in [1, 4096]");
    expect_error("agent: { hidden = 3000000000; };", NULL, 0,
                 "t.cfg:1: agent.hidden = 3000000000: expects an integer in [1, 4096]");
    expect_error("budget: {\n\n steps = 99999999999999999999; };", NULL, 0,
                 "t.cfg:3: integer 99999999999999999999 is too large (beyond 64 bits)");
}

static void test_out_of_range(void **state)
{
    (void)state;
    expect_error("agent: {\n  lr = -1;\n};", NULL, 0, "t.cfg:2: agent.lr = -1.0: out of range, accepted (0, 1]");
    expect_error("agent: { lr = 0.0; };", NULL, 0, "t.cfg:1: agent.lr = 0.0: out of range, accepted (0, 1]");
    expect_error("agent: { hidden = 0; };", NULL, 0, "t.cfg:1: agent.hidden = 0: out of range, accepted [1, 4096]");
    expect_error("budget: { steps = -5; };", NULL, 0, "t.cfg:1: budget.steps = -5: out of range, accepted >= 1");
    /* in (0, 1] as a double, 0 or subnormal as the float an agent keeps */
    expect_error("agent: { lr = 1e-50; };", NULL, 0,
                 "t.cfg:1: agent.lr = 1e-50: underflows as a 32-bit float (normal floats are 1.17549e-38 to "
                 "3.40282e+38 in size), accepted (0, 1]");
    const char *subnormal[] = {"agent.lr=1e-40"};
    expect_error(NULL, subnormal, 1, "--set agent.lr=1e-40: underflows as a 32-bit float (normal floats are "
                 "1.17549e-38 to 3.40282e+38 in size), accepted (0, 1]");
    expect_error("agent: { activation = \"sigmoid\"; };", NULL, 0,
                 "t.cfg:1: agent.activation = \"sigmoid\": accepted tanh|relu");
    expect_error("agent: { policy: { dropout = \"fixed:1\"; }; };", NULL, 0,
                 "t.cfg:1: agent.policy.dropout = \"fixed:1\": P = 1 is out of range; accepted none, "
                 "fixed:P with P in [0, 1), concrete");
    /* A bad value in the file that an override replaces is no error. */
    const char *fix[] = {"agent.lr=0.5"};
    cdrl_error err;
    assert_int_equal(load("agent: { lr = -1; };", fix, 1, &err), 0);
    assert_true(cfg.lr == 0.5);
}

static void test_syntax_error_names_line(void **state)
{
    (void)state;
    expect_error("agent: {\n  hidden = 3;\n  lr = ;\n};\n", NULL, 0, "t.cfg:3: syntax error");
    expect_error("agent: { hidden = 3; hidden = 4; };\n", NULL, 0, "t.cfg:1: duplicate setting name");
    expect_error("\n@include \"/etc/passwd\"\n", NULL, 0,
                 "t.cfg:2: @include is not supported; put every key in one file");
}

static void test_bad_overrides(void **state)
{
    (void)state;
    const char *no_eq[] = {"agent.lr"};
    expect_error(NULL, no_eq, 1, "--set agent.lr: expected key=value, e.g. --set agent.lr=3e-4");
    const char *unknown[] = {"agent.lrr=0.1"};
    expect_error(NULL, unknown, 1, "--set agent.lrr=0.1: unknown key 'agent.lrr' (did you mean 'agent.lr'?)");
    const char *type[] = {"agent.lr=abc"};
    expect_error(NULL, type, 1, "--set agent.lr=abc: agent.lr expects a number in (0, 1]");
    const char *not_finite[] = {"agent.gamma=nan"};
    expect_error(NULL, not_finite, 1, "--set agent.gamma=nan: agent.gamma expects a number in [0, 1]");
    const char *range[] = {"agent.hidden=5000"};
    expect_error(NULL, range, 1, "--set agent.hidden=5000: out of range, accepted [1, 4096]");
    const char *group[] = {"agent=3"};
    expect_error(NULL, group, 1, "--set agent=3: 'agent' is a group of keys; set one of them, e.g. agent.hidden");
    const char *boolean[] = {"agent.normalize=yes"};
    expect_error(NULL, boolean, 1, "--set agent.normalize=yes: agent.normalize expects true or false");
    const char *dropout[] = {"agent.policy.dropout=sometimes"};
    expect_error(NULL, dropout, 1,
                 "--set agent.policy.dropout=sometimes: not a dropout setting; accepted none, fixed:P "
                 "with P in [0, 1), concrete");
    char longer[CDRL_CFG_STR_MAX + 32];
    memset(longer, 'x', sizeof longer);
    memcpy(longer, "budget.label=", 13);
    longer[sizeof longer - 1] = '\0';
    const char *too_long[] = {longer};
    cdrl_error err;
    assert_int_equal(load(NULL, too_long, 1, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "expects a string of at most 127 bytes"));
}

static void test_bad_schema(void **state)
{
    (void)state;
    static const cdrl_cfg_key twice[] = {
        {.path = "a.b", .type = CDRL_CFG_INT, .offset = 0, .default_text = "1"},
        {.path = "a.b", .type = CDRL_CFG_INT, .offset = 0, .default_text = "1"},
    };
    static const cdrl_cfg_key both[] = {
        {.path = "a", .type = CDRL_CFG_INT, .offset = 0, .default_text = "1"},
        {.path = "a.b", .type = CDRL_CFG_INT, .offset = 0, .default_text = "1"},
    };
    static const cdrl_cfg_key bad_default[] = {
        {.path = "a", .type = CDRL_CFG_INT, .offset = 0, .default_text = "one"},
    };
    int dst[2];
    cdrl_error err;
    cdrl_cfg_section s1 = {twice, 2, dst}, s2 = {both, 2, dst}, s3 = {bad_default, 1, dst};
    assert_int_equal(cdrl_config_load_string(&s1, 1, NULL, "x", NULL, 0, &err), CDRL_EINVAL);
    assert_string_equal(err.msg, "config schema: key 'a.b' appears twice");
    assert_int_equal(cdrl_config_load_string(&s2, 1, NULL, "x", NULL, 0, &err), CDRL_EINVAL);
    assert_string_equal(err.msg, "config schema: key 'a.b' is both a key and a group");
    assert_int_equal(cdrl_config_load_string(&s3, 1, NULL, "x", NULL, 0, &err), CDRL_EINVAL);
    assert_string_equal(err.msg, "config schema: default of a \"one\" is not an integer");
}

static void test_missing_file(void **state)
{
    (void)state;
    cdrl_error err;
    int rc = cdrl_config_load(&toy_section, 1, "/nonexistent/x.cfg", NULL, 0, &err);
    assert_int_equal(rc, CDRL_EIO);
    assert_string_equal(err.msg, "/nonexistent/x.cfg: cannot read: No such file or directory");
}

/* Values chosen to be hard to print: no short decimal form, tiny, huge,
 * negative zero, strings with quotes, backslashes and control bytes. */
static void set_awkward_values(toy_config *c)
{
    memset(c, 0, sizeof *c);
    c->hidden = 4096;
    c->steps = INT64_C(9000000000000000000);
    c->lr = 0.1 + 0.2;
    c->gamma = 1.0 / 3.0;
    c->normalize = 0;
    snprintf(c->activation, sizeof c->activation, "relu");
    snprintf(c->dropout, sizeof c->dropout, "fixed:0.1");
    snprintf(c->label, sizeof c->label, "a \"quoted\" \\path\\ with\ttab\nnewline\x01 and # not a comment");
}

static void test_round_trip_exact(void **state)
{
    (void)state;
    toy_config written;
    set_awkward_values(&written);
    cdrl_cfg_section out = {toy_keys, toy_section.n_keys, &written};
    char *text;
    cdrl_error err;
    assert_int_equal(cdrl_config_format(&out, 1, "line one\nline two", &text, &err), 0);
    assert_non_null(strstr(text, "# line one\n# line two\n"));
    assert_non_null(strstr(text, "# learning rate (a number in (0, 1])\n"));
    if (load(text, NULL, 0, &err))
        fail_msg("%s\n%s", err.msg, text);
    assert_int_equal(cfg.hidden, written.hidden);
    assert_true(cfg.steps == written.steps);
    assert_memory_equal(&cfg.lr, &written.lr, sizeof cfg.lr);
    assert_memory_equal(&cfg.gamma, &written.gamma, sizeof cfg.gamma);
    assert_int_equal(cfg.normalize, written.normalize);
    assert_string_equal(cfg.activation, written.activation);
    assert_string_equal(cfg.dropout, written.dropout);
    assert_string_equal(cfg.label, written.label);
    assert_true(cdrl_config_hash(&toy_section, 1) == cdrl_config_hash(&out, 1));
    free(text);

    /* The longest string, every byte needing an escape. */
    memset(written.label, '\x01', CDRL_CFG_STR_MAX - 1);
    written.label[CDRL_CFG_STR_MAX - 1] = '\0';
    assert_int_equal(cdrl_config_format(&out, 1, NULL, &text, &err), 0);
    assert_int_equal(load(text, NULL, 0, &err), 0);
    assert_string_equal(cfg.label, written.label);
    free(text);

    /* Each double prints as the shortest text that reads back exactly. */
    written.lr = 3e-4;
    written.gamma = 1.0;
    assert_int_equal(cdrl_config_format(&out, 1, NULL, &text, &err), 0);
    assert_non_null(strstr(text, "lr = 0.0003;"));
    assert_non_null(strstr(text, "gamma = 1.0;"));
    assert_non_null(strstr(text, "steps = 9000000000000000000L;"));
    free(text);
}

static void test_write_file_and_reload(void **state)
{
    (void)state;
    char dir[] = "/tmp/cdrl_test_config_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/saved.cfg", dir);
    toy_config written;
    set_awkward_values(&written);
    cdrl_cfg_section out = {toy_keys, toy_section.n_keys, &written};
    cdrl_error err;
    assert_int_equal(cdrl_config_write(&out, 1, "saved", path, &err), 0);
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(cdrl_config_load(&toy_section, 1, path, NULL, 0, &err), 0);
    assert_true(cdrl_config_hash(&toy_section, 1) == cdrl_config_hash(&out, 1));
    char label[CDRL_CFG_STR_MAX];
    assert_int_equal(cdrl_config_peek_string(path, "agent.activation", label, sizeof label, &err), 0);
    assert_string_equal(label, "relu");
    assert_int_equal(cdrl_config_peek_string(path, "agent.missing", label, sizeof label, &err), 0);
    assert_string_equal(label, "");
    unlink(path);
    rmdir(dir);
}

/* FNV-1a 64 written out again here, over the canonical text the header
 * promises, so that the hash's definition cannot drift unnoticed. */
static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

static void test_hash_stable(void **state)
{
    (void)state;
    cdrl_error err;
    assert_int_equal(load(NULL, NULL, 0, &err), 0);
    uint64_t h = cdrl_config_hash(&toy_section, 1);
    assert_true(h == fnv1a("agent.hidden=64\nagent.lr=0.0003\nagent.policy.dropout=\"concrete\"\n"
                           "agent.activation=\"tanh\"\nagent.normalize=true\nagent.gamma=0.99\n"
                           "budget.steps=1000\nbudget.label=\"plain\"\n"));
    const char *change[] = {"agent.gamma=0.98"};
    assert_int_equal(load(NULL, change, 1, &err), 0);
    assert_true(cdrl_config_hash(&toy_section, 1) != h);
}

static void test_sections_combine(void **state)
{
    (void)state;
    cdrl_run_config run;
    toy_config toy;
    cdrl_cfg_section sections[2] = {{cdrl_run_keys, cdrl_run_n_keys, &run},
                                    {toy_keys, toy_section.n_keys, &toy}};
    const char *set[] = {"run.agent=pg", "env.name=cartpole", "run.seed=7", "agent.hidden=16"};
    cdrl_error err;
    assert_int_equal(cdrl_config_load_string(sections, 2, "run: { steps = 20; };", "c", set, 4, &err), 0);
    assert_string_equal(run.agent, "pg");
    assert_string_equal(run.env, "cartpole");
    assert_true(run.seed == 7 && run.steps == 20 && run.checkpoint_every == 10);
    assert_int_equal(toy.hidden, 16);
    /* The run keys reject what the issue names: a negative step budget, a bad name. */
    const char *negative[] = {"run.agent=pg", "env.name=cartpole", "run.steps=-1"};
    assert_int_equal(cdrl_config_load_string(sections, 2, NULL, "c", negative, 3, &err), CDRL_EINVAL);
    assert_string_equal(err.msg, "--set run.steps=-1: out of range, accepted >= 1");
    const char *no_agent[] = {"env.name=cartpole"};
    assert_int_equal(cdrl_config_load_string(sections, 2, NULL, "c", no_agent, 1, &err), CDRL_EINVAL);
    assert_string_equal(err.msg, "run.agent = \"\" (its default; set it in the config or with --set): "
                                 "expects a registry name, got an empty string");
    const char *bad_options[] = {"run.agent=pg", "env.name=cartpole", "env.options=integrator"};
    assert_int_equal(cdrl_config_load_string(sections, 2, NULL, "c", bad_options, 3, &err), CDRL_EINVAL);
    assert_string_equal(err.msg, "--set env.options=integrator: env option 'integrator': expected key=value");
}

/* Configs take dropout settings in the one grammar of cdrl_dropout_parse. */
static void test_dropout_parse(void **state)
{
    (void)state;
    cdrl_dropout_spec d;
    cdrl_error err;
    float init = CDRL_CONCRETE_DEFAULT_INIT_P;
    assert_int_equal(cdrl_dropout_parse("none", init, &d, &err), 0);
    assert_int_equal(d.kind, CDRL_DROPOUT_NONE);
    assert_int_equal(cdrl_dropout_parse("concrete", init, &d, &err), 0);
    assert_int_equal(d.kind, CDRL_DROPOUT_CONCRETE);
    assert_int_equal(cdrl_dropout_parse("fixed:0.1", init, &d, &err), 0);
    assert_int_equal(d.kind, CDRL_DROPOUT_FIXED);
    assert_true(d.p == 0.1f);
    assert_int_equal(cdrl_dropout_parse("fixed:0", init, &d, &err), 0);
    assert_true(d.p == 0.0f);
    assert_int_equal(cdrl_dropout_parse("fixed:1", init, &d, &err), CDRL_EINVAL);
    assert_int_equal(cdrl_dropout_parse("fixed:-0.1", init, &d, &err), CDRL_EINVAL);
    assert_int_equal(cdrl_dropout_parse("fixed:", init, &d, &err), CDRL_EINVAL);
    assert_int_equal(cdrl_dropout_parse("fixed:nan", init, &d, &err), CDRL_EINVAL);
    assert_int_equal(cdrl_dropout_parse("Concrete", init, &d, &err), CDRL_EINVAL);
    assert_int_equal(cdrl_cfg_validate_dropout("fixed:0.5", &err), 0);
    assert_int_equal(cdrl_cfg_validate_dropout("fixed:1", &err), CDRL_EINVAL);
    assert_string_equal(err.msg, "P = 1 is out of range; accepted none, fixed:P with P in [0, 1), concrete");
}

/* The dropout keys of a schema: every key whose last part is "dropout". */
static void test_dropout_keys(void **state)
{
    (void)state;
    static const cdrl_cfg_key keys[] = {
        {.path = "agent.policy.dropout"}, {.path = "agent.lr"}, {.path = "agent.dropout_p"},
        {.path = "dropout"}, {.path = "agent.model.dropout"},
    };
    const char *found[4];
    assert_int_equal(cdrl_cfg_dropout_keys(keys, 5, found, 4), 3);
    assert_string_equal(found[0], "agent.policy.dropout");
    assert_string_equal(found[1], "dropout");
    assert_string_equal(found[2], "agent.model.dropout");
    assert_int_equal(cdrl_cfg_dropout_keys(keys, 5, found, 1), 1);
    assert_false(cdrl_cfg_is_dropout_key("agent.dropout_p"));
    assert_true(cdrl_cfg_is_dropout_key("agent.dropout"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_file_then_overrides),
        cmocka_unit_test(test_unknown_key_suggests),
        cmocka_unit_test(test_wrong_type),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_syntax_error_names_line),
        cmocka_unit_test(test_bad_overrides),
        cmocka_unit_test(test_bad_schema),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_round_trip_exact),
        cmocka_unit_test(test_write_file_and_reload),
        cmocka_unit_test(test_hash_stable),
        cmocka_unit_test(test_sections_combine),
        cmocka_unit_test(test_dropout_parse),
        cmocka_unit_test(test_dropout_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
