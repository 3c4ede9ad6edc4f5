// SPDX-License-Identifier: MIT
#include "net/openssl_api.hpp"

#include <dlfcn.h>

namespace superd::net {

OpenSslApi openssl_api;

namespace {
bool openssl_is_loaded = false;
}  // namespace

bool openssl_loaded() { return openssl_is_loaded; }

bool load_openssl(std::string& error) {
  // A failure is not remembered: a reload after libssl is installed (or
  // after a shortage of descriptors or memory) tries again.
  if (openssl_is_loaded) return true;
  // The major version superd was compiled against: its ABI is stable.
  const std::string lib = "libssl.so." + std::to_string(OPENSSL_VERSION_MAJOR);
  void* h = ::dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* why = ::dlerror();
    error = "TLS needs OpenSSL's " + lib + ", which cannot be loaded: " + (why ? why : "unknown reason");
    return false;
  }
  OpenSslApi api;
  const char* missing = nullptr;
  // dlsym on libssl's handle also searches libcrypto, which it depends on.
#define SUPERD_OPENSSL_LOOKUP(name)                                          \
  api.name = reinterpret_cast<decltype(api.name)>(::dlsym(h, #name));       \
  if (!api.name && !missing) missing = #name;
  SUPERD_OPENSSL_FUNCTIONS(SUPERD_OPENSSL_LOOKUP)
#undef SUPERD_OPENSSL_LOOKUP
  if (missing) {
    error = lib + " has no " + missing + ": not the OpenSSL superd was built for";
    ::dlclose(h);
    return false;
  }
  openssl_api = api;
  openssl_is_loaded = true;
  return true;
}

}  // namespace superd::net
