// SHA-256 (FIPS 180-4) for checking model files against plugins.json. In C so that hashing
// hundreds of megabytes stays fast in debug builds, where Swift arithmetic is unoptimised.
#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t state[8];
    uint64_t length;      // bytes hashed so far
    uint8_t buffer[64];   // a partial block
    size_t buffered;
} csha256_context;

void csha256_init(csha256_context *ctx);
void csha256_update(csha256_context *ctx, const void *data, size_t count);
/// Writes the 32-byte digest.
void csha256_final(csha256_context *ctx, uint8_t digest[32]);

#endif
