#ifndef STREAMLSTM_CPREFETCH_H
#define STREAMLSTM_CPREFETCH_H

#include <stddef.h>

/// Asks the CPU to bring `bytes` from `address` on into its caches, one
/// request per 64-byte line, without waiting for them: Swift has no prefetch
/// of its own (see Predictor.prefetchWeights).
static inline void streamlstm_prefetch(const void *address, size_t bytes) {
    const char *p = (const char *)address;
    for (size_t offset = 0; offset < bytes; offset += 64) __builtin_prefetch(p + offset, 0, 3);
}

#endif
