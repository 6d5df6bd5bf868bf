/* Runs, all topics at once: a convenience for the CLI. Library files include
 * the one topic header they use. */
#ifndef CDRL_RUN_H
#define CDRL_RUN_H

#include "cdrl/file.h"
#include "cdrl/run_config.h"
#include "cdrl/run_csv.h"
#include "cdrl/run_dir.h"
#include "cdrl/run_guard.h"
#include "cdrl/run_stop.h"

#endif
