#ifndef STREAMLSTM_CPREFETCH_H
#define STREAMLSTM_CPREFETCH_H

#include <stddef.h>
#include <stdint.h>

/// Asks the CPU to bring every 64-byte line that `bytes` from `address` on
/// touch into its caches, without waiting for them: Swift has no prefetch of
/// its own (see StreamLSTM's Prefetch).
static inline void streamlstm_prefetch(const void *address, size_t bytes) {
    const char *line = (const char *)((uintptr_t)address & ~(uintptr_t)63);
    const char *end = (const char *)address + bytes;
    for (; line < end; line += 64) __builtin_prefetch(line, 0, 3);
}

#endif
