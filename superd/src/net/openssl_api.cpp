// SPDX-License-Identifier: MIT
#include "net/openssl_api.hpp"

#include <dlfcn.h>

namespace superd::net {

OpenSslApi openssl_api;

bool load_openssl(std::string& error) {
  static bool loaded = false;
  static std::string failed;
  if (loaded) return true;
  if (!failed.empty()) {
    error = failed;
    return false;
  }
  // The major version superd was compiled against: its ABI is stable.
  const std::string lib = "libssl.so." + std::to_string(OPENSSL_VERSION_MAJOR);
  void* h = ::dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* why = ::dlerror();
    failed = "TLS needs OpenSSL's " + lib + " (Debian package libssl3): " + (why ? why : "cannot load it");
    error = failed;
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
    failed = lib + " has no " + missing + ": not the OpenSSL superd was built for";
    error = failed;
    return false;  // the library stays loaded; nothing of it is called
  }
  openssl_api = api;
  loaded = true;
  return true;
}

}  // namespace superd::net
