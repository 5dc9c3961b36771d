// OpenSSL's libcrypto (Debian: libssl-dev), for its SHA-256 digest.
#include <openssl/evp.h>
