/* libFuzzer target: the checkpoint reader must reject or accept any bytes
 * cleanly — no crash, no read out of bounds, no leak.
 *
 * A random file almost never passes the CRC, which would leave the section
 * parser unexplored; so when the first byte is odd, the rest of the input gets
 * a correct length field and CRC before it is parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/checkpoint.h"
#include "cdrl/file.h"

/* Writes a correct total_size and CRC into a candidate checkpoint. */
static void make_consistent(uint8_t *b, size_t size)
{
    if (size < 24 + 4)
        return;
    for (int i = 0; i < 8; i++)
        b[16 + i] = (uint8_t)((uint64_t)size >> (8 * i));
    uint32_t crc = cdrl_crc32(0, b, size - 4);
    for (int i = 0; i < 4; i++)
        b[size - 4 + i] = (uint8_t)(crc >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t n = size - 1;
    uint8_t *bytes = malloc(n ? n : 1);
    if (!bytes)
        return 0;
    memcpy(bytes, data + 1, n);
    if (data[0] & 1)
        make_consistent(bytes, n);
    cdrl_ckpt *ck;
    cdrl_error err;
    if (cdrl_ckpt_open_memory(bytes, n, "fuzz", &ck, &err) == 0) {
        /* Everything a loader does with an accepted file must be safe too. */
        (void)cdrl_ckpt_check(ck, "pg", 0, &err);
        for (int i = 0; i < cdrl_ckpt_section_count(ck); i++) {
            const char *name = cdrl_ckpt_section_name(ck, i);
            const void *p;
            size_t len;
            if (cdrl_ckpt_get(ck, name, &p, &len, &err) == 0 && len <= 4096) {
                uint8_t copy[4096];
                (void)cdrl_ckpt_read(ck, name, copy, len, &err);
                (void)cdrl_ckpt_read(ck, name, copy, len / 2, &err);
            }
        }
        cdrl_ckpt_free(ck);
    }
    free(bytes);
    return 0;
}
