// SPDX-License-Identifier: MIT
// TlsContext: one service's TLS server settings, loaded with OpenSSL when the
// configuration loads and kept in its snapshot: certificate chains and keys
// (several, chosen by the name the client asks for, SNI), client
// certificate checks, protocol floor, ciphers, ALPN, session resumption.
// Loading reads every file, so a bad certificate or key is a configuration
// error naming the file, and a reload reads renewed files afresh while live
// sessions keep the context they started with.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

// OpenSSL's types, without its headers.
typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace superd::net {

/// `tls_verify_client`.
enum class TlsVerify : std::uint8_t { None, Optional, Required };
/// `tls_min_version`.
enum class TlsVersion : std::uint8_t { V1_2, V1_3 };

/// What a TlsContext is made from (a service's tls_* keys).
struct TlsSettings {
  std::vector<std::string> certs, keys;  ///< Paired by position; the first pair is the default.
  std::string ca;                        ///< File or directory of CA certificates; empty: none.
  TlsVerify verify = TlsVerify::None;
  TlsVersion min_version = TlsVersion::V1_2;
  std::string ciphers, ciphersuites;  ///< Empty: OpenSSL's defaults.
  std::vector<std::string> alpn;      ///< Protocols offered, in order of preference.
};

/// A loaded context; immutable once made, shared by the sessions it started.
class TlsContext {
 public:
  /// Why make() failed: the key to blame and the message.
  struct Error {
    std::string key, message;
  };
  /// Loads `s`; on failure returns nullptr and fills `error`. What loads
  /// but clients would refuse (a certificate out of its validity period)
  /// goes to `warnings` when given.
  static std::shared_ptr<const TlsContext> make(const TlsSettings& s, Error& error,
                                                std::vector<Error>* warnings = nullptr);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  /// A new server-side session, or nullptr when OpenSSL has no memory.
  SSL* new_session() const;
  /// A digest of every file read: equal for two loads of unchanged files.
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  TlsContext() = default;
  static int on_servername(SSL* ssl, int* alert, void* arg);
  static int on_alpn(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                     unsigned int inlen, void* arg);
  std::vector<SSL_CTX*> ctxs_;  ///< One per certificate; [0] is the default.
  std::string alpn_wire_;        ///< `alpn` in the wire format (length-prefixed names).
  std::string fingerprint_;
};

/// The facts of an established session, as a program's environment gets
/// them: SSL_PROTOCOL, SSL_CIPHER, SSL_TLS_SNI, SSL_CLIENT_S_DN,
/// SSL_CLIENT_I_DN, SSL_CLIENT_VERIFY, SSL_SESSION_RESUMED, SSL_ALPN_PROTOCOL
/// (those that apply), as NAME=VALUE.
std::vector<std::string> tls_session_env(SSL* ssl);

/// The last OpenSSL error of this thread as text (and the queue cleared);
/// `fallback` when there is none.
std::string tls_error_text(const char* fallback);

}  // namespace superd::net
