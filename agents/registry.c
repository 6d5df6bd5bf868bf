/* The agents `cdrl train --agent NAME` knows. Adding an agent: define its
 * `const cdrl_agent_def cdrl_agent_<name>` in agents/<name>.c and point its
 * entry below at it (or add an entry). An entry whose def is NULL is planned
 * but not built yet; the CLI says so. */
#include "cdrl/agent.h"

#include <stdio.h>
#include <string.h>

extern const cdrl_agent_def cdrl_agent_pg; /* agents/pg.c, issue 5 */
extern const cdrl_agent_def cdrl_agent_mb; /* agents/mb.c, issue 6 */

const cdrl_agent_entry cdrl_agents[] = {
    {"pg", &cdrl_agent_pg}, /* policy gradient with Concrete Dropout */
    {"mb", &cdrl_agent_mb}, /* model-based: Concrete-Dropout dynamics + MPC */
};
const int cdrl_agent_count = (int)(sizeof cdrl_agents / sizeof cdrl_agents[0]);

int cdrl_agent_find(const char *name, const cdrl_agent_def **out, cdrl_error *err)
{
    char known[256] = "";
    size_t used = 0;
    *out = NULL;
    for (int i = 0; i < cdrl_agent_count; i++) {
        if (strcmp(cdrl_agents[i].name, name) == 0) {
            if (!cdrl_agents[i].def)
                return cdrl_errorf(err, CDRL_EUNAVAIL, "agent '%s' is not built yet", name);
            *out = cdrl_agents[i].def;
            return 0;
        }
        int n = snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "", cdrl_agents[i].name);
        if (n > 0 && (size_t)n < sizeof known - used)
            used += (size_t)n;
    }
    return cdrl_errorf(err, CDRL_EINVAL, "unknown agent '%s' (known: %s)", name, known);
}
