/* Placeholder so the visualizer library has a translation unit until viz lands. */
#include "cdrl/error.h"
int cdrl_viz_available(void) { return 1; }
