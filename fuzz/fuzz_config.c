/* libFuzzer target: the config loader must turn any text and overrides into
 * either values or one error line — and values it accepts must survive a
 * write and a reload exactly (same hash), or the target aborts.
 *
 * Input: config text, then optionally a NUL byte and overrides separated by
 * newlines. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/config.h"
#include "cdrl/run_config.h"

typedef struct {
    int hidden;
    int64_t budget;
    double lr;
    int flag;
    char mode[CDRL_CFG_STR_MAX];
    char dropout[CDRL_CFG_STR_MAX];
    char note[CDRL_CFG_STR_MAX];
} fuzz_config;

static const cdrl_cfg_key keys[] = {
    {.path = "agent.hidden", .type = CDRL_CFG_INT, .offset = offsetof(fuzz_config, hidden),
     .default_text = "64", .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 4096},
    {.path = "agent.budget", .type = CDRL_CFG_INT64, .offset = offsetof(fuzz_config, budget),
     .default_text = "1000"},
    {.path = "agent.lr", .type = CDRL_CFG_FLOAT, .offset = offsetof(fuzz_config, lr),
     .default_text = "3e-4", .range = CDRL_CFG_MIN_EXCL | CDRL_CFG_MAX, .min = 0, .max = 1},
    {.path = "agent.flag", .type = CDRL_CFG_BOOL, .offset = offsetof(fuzz_config, flag),
     .default_text = "false"},
    {.path = "agent.mode", .type = CDRL_CFG_CHOICE, .offset = offsetof(fuzz_config, mode),
     .default_text = "a", .choices = "a|bb|ccc"},
    {.path = "agent.net.dropout", .type = CDRL_CFG_STRING, .offset = offsetof(fuzz_config, dropout),
     .default_text = "none", .validate = cdrl_cfg_validate_dropout},
    {.path = "agent.note", .type = CDRL_CFG_STRING, .offset = offsetof(fuzz_config, note),
     .default_text = ""},
};

#define MAX_OVERRIDES 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    /* Overrides follow the first NUL, one per line. */
    const char *overrides[MAX_OVERRIDES];
    int n_overrides = 0;
    size_t text_len = strlen(text);
    if (text_len < size) {
        char *p = text + text_len + 1;
        while (n_overrides < MAX_OVERRIDES && p < text + size) {
            overrides[n_overrides++] = p;
            char *nl = strchr(p, '\n');
            if (!nl)
                break;
            *nl = '\0';
            p = nl + 1;
        }
    }
    cdrl_run_config run;
    fuzz_config cfg, again;
    cdrl_cfg_section sections[2] = {{cdrl_run_keys, cdrl_run_n_keys, &run},
                                    {keys, sizeof keys / sizeof keys[0], &cfg}};
    cdrl_error err;
    if (cdrl_config_load_string(sections, 2, text, "fuzz.cfg", overrides, n_overrides, &err) == 0) {
        char *written;
        if (cdrl_config_format(sections, 2, "fuzz", &written, &err) == 0) {
            cdrl_run_config run2;
            cdrl_cfg_section reread[2] = {{cdrl_run_keys, cdrl_run_n_keys, &run2},
                                          {keys, sizeof keys / sizeof keys[0], &again}};
            if (cdrl_config_load_string(reread, 2, written, "written.cfg", NULL, 0, &err) != 0 ||
                cdrl_config_hash(reread, 2) != cdrl_config_hash(sections, 2))
                abort(); /* a config we accepted did not survive being written */
            free(written);
        }
    }
    free(text);
    return 0;
}
