/* The library's version and build options (include/cdrl/version.h). */
#include "cdrl/version.h"

#define CDRL_STR2(x) #x
#define CDRL_STR(x) CDRL_STR2(x)

#if defined(__AVX512F__)
#define CDRL_SIMD "avx512f"
#elif defined(__AVX2__)
#define CDRL_SIMD "avx2"
#elif defined(__AVX__)
#define CDRL_SIMD "avx"
#elif defined(__SSE2__)
#define CDRL_SIMD "sse2"
#elif defined(__ARM_NEON)
#define CDRL_SIMD "neon"
#else
#define CDRL_SIMD "none"
#endif

#if defined(__SANITIZE_ADDRESS__)
#define CDRL_SANITIZERS "address"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CDRL_SANITIZERS "address"
#endif
#endif
#ifndef CDRL_SANITIZERS
#define CDRL_SANITIZERS "off"
#endif

#if defined(__clang__)
#define CDRL_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define CDRL_COMPILER "gcc " CDRL_STR(__GNUC__) "." CDRL_STR(__GNUC_MINOR__) "." CDRL_STR(__GNUC_PATCHLEVEL__)
#else
#define CDRL_COMPILER "unknown compiler"
#endif

const char *cdrl_version(void)
{
    return CDRL_VERSION_STRING;
}

/* The SIMD level here is what the compiler was allowed to use for the
 * library's own loops (its -m flags); the vector math picks its level for the
 * CPU at run time (cdrl_vec_current, vecmath.h), and so does OpenBLAS. */
const char *cdrl_build_info(void)
{
    return CDRL_COMPILER ", compiler SIMD target " CDRL_SIMD ", sanitizers " CDRL_SANITIZERS;
}
