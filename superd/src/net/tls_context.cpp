// SPDX-License-Identifier: MIT
#include "net/tls_context.hpp"

#include <dirent.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <tuple>

#include "net/openssl_calls.hpp"  // last: it renames OpenSSL's functions

namespace superd::net {

namespace {

// Never ask for a passphrase: superd has no terminal to ask on, and an
// encrypted key is a configuration error rather than a hang.
int no_passphrase(char*, int, int, void*) { return 0; }

// Adds `path`'s content (or, for a directory, its entries' names, sizes
// and times) to `md`; false when it cannot be read.
bool digest_path(EVP_MD_CTX* md, const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return false;
  EVP_DigestUpdate(md, path.data(), path.size() + 1);
  if (S_ISDIR(st.st_mode)) {
    DIR* d = ::opendir(path.c_str());
    if (!d) return false;
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string full = path + "/" + e->d_name;
      struct stat es{};
      if (::stat(full.c_str(), &es) == 0)
        names.push_back(full + ":" + std::to_string(es.st_size) + ":" + std::to_string(es.st_mtim.tv_sec) + "." +
                        std::to_string(es.st_mtim.tv_nsec));
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const std::string& n : names) EVP_DigestUpdate(md, n.data(), n.size() + 1);
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  EVP_DigestUpdate(md, all.data(), all.size());
  return true;
}

std::string fingerprint_of(const TlsSettings& s) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_DigestInit_ex(md, EVP_sha256(), nullptr);
  for (const auto* list : {&s.certs, &s.keys})
    for (const std::string& p : *list) digest_path(md, p);
  if (!s.ca.empty()) digest_path(md, s.ca);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(md, out, &len);
  EVP_MD_CTX_free(md);
  return std::string(reinterpret_cast<char*>(out), len);
}

// A certificate out of its validity period loads, but every client that
// checks it refuses the connection: "" when in date, else why not.
std::string out_of_date(SSL_CTX* ctx, const std::string& file) {
  X509* x = SSL_CTX_get0_certificate(ctx);
  if (!x) return {};
  auto when = [](const ASN1_TIME* t) {
    std::tm tm{};
    char text[32];
    if (ASN1_TIME_to_tm(t, &tm) != 1 || std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
      return std::string("a date OpenSSL cannot read");
    return std::string(text);
  };
  const char* effect = ": clients that check certificates will refuse the connection";
  if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0)
    return "certificate '" + file + "' expired on " + when(X509_get0_notAfter(x)) + effect;
  if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0)
    return "certificate '" + file + "' is not valid before " + when(X509_get0_notBefore(x)) + effect;
  return {};
}

bool is_directory(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

std::string tls_error_text(const char* fallback) {
  // The earliest error is the cause ("no start line"); later ones say
  // which layer passed it on ("PEM lib").
  if (!openssl_loaded()) return fallback;  // nothing of OpenSSL ran
  unsigned long e = ERR_peek_error();
  ERR_clear_error();
  if (e == 0) return fallback;
  const char* reason = ERR_reason_error_string(e);
  return reason ? reason : "error " + std::to_string(e);
}

std::shared_ptr<const TlsContext> TlsContext::make(const TlsSettings& s, Error& error,
                                                   std::vector<Error>* warnings) {
  if (std::string why; !load_openssl(why)) {
    error = Error{"tls_cert", why};
    return nullptr;
  }
  ERR_clear_error();
  std::shared_ptr<TlsContext> t(new TlsContext);
  auto fail = [&](const char* key, std::string message) {
    error = Error{key, std::move(message)};
    ERR_clear_error();
    return nullptr;
  };
  if (s.certs.empty()) return fail("tls_cert", "TLS needs a certificate: tls_cert and tls_key");
  if (s.certs.size() != s.keys.size())
    return fail("tls_key", std::to_string(s.certs.size()) + " tls_cert but " + std::to_string(s.keys.size()) +
                               " tls_key; they go in pairs, each key after its certificate");
  if (s.verify != TlsVerify::None && s.ca.empty())
    return fail("tls_verify_client", "checking client certificates needs tls_ca (the CAs that issue them)");
  for (const std::string& proto : s.alpn)
    if (proto.empty() || proto.size() > 255)
      return fail("tls_alpn", "ALPN protocol name '" + proto + "' must be 1 to 255 bytes");
  for (const std::string& proto : s.alpn) t->alpn_wire_ += static_cast<char>(proto.size()) + proto;
  // Unreadable files are told apart first: OpenSSL would only say "system lib".
  for (const auto& [key, files, what] : {std::tuple{"tls_cert", &s.certs, "certificate file"},
                                         std::tuple{"tls_key", &s.keys, "key file"}})
    for (const std::string& f : *files)
      if (::access(f.c_str(), R_OK) != 0)
        return fail(key, std::string(what) + " '" + f + "': " + std::strerror(errno));
  if (!s.ca.empty() && ::access(s.ca.c_str(), R_OK) != 0)
    return fail("tls_ca", "CA file '" + s.ca + "': " + std::strerror(errno));
  for (std::size_t i = 0; i < s.certs.size(); ++i) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) return fail("tls_cert", "cannot make a TLS context: " + tls_error_text("out of memory"));
    t->ctxs_.push_back(ctx);
    SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
    SSL_CTX_set_min_proto_version(ctx, s.min_version == TlsVersion::V1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
    // Renegotiation lets a client make the server redo expensive work on
    // one connection; TLS 1.3 has none, and nothing here needs it.
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    const std::string& cert = s.certs[i];
    const std::string& key = s.keys[i];
    if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1)
      return fail("tls_cert", "certificate file '" + cert + "': " + tls_error_text("cannot be read"));
    if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
      unsigned long e = ERR_peek_last_error();
      if (ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
        return fail("tls_key", "key file '" + key + "' does not match certificate '" + cert + "'");
      return fail("tls_key", "key file '" + key + "': " + tls_error_text("cannot be read"));
    }
    if (SSL_CTX_check_private_key(ctx) != 1)
      return fail("tls_key", "key file '" + key + "' does not match certificate '" + cert + "'");
    if (warnings)
      if (std::string why = out_of_date(ctx, cert); !why.empty()) warnings->push_back(Error{"tls_cert", why});
    if (!s.ciphers.empty() && SSL_CTX_set_cipher_list(ctx, s.ciphers.c_str()) != 1)
      return fail("tls_ciphers", "no TLS 1.2 cipher in '" + s.ciphers + "'");
    if (!s.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, s.ciphersuites.c_str()) != 1)
      return fail("tls_ciphersuites", "'" + s.ciphersuites + "' is not a list of TLS 1.3 cipher suites");
    if (!s.ca.empty()) {
      bool dir = is_directory(s.ca);
      int ok = dir ? SSL_CTX_load_verify_dir(ctx, s.ca.c_str()) : SSL_CTX_load_verify_file(ctx, s.ca.c_str());
      if (ok != 1) return fail("tls_ca", "CA file '" + s.ca + "': " + tls_error_text("cannot be read"));
      if (!dir) {
        // Tells clients which CAs they may present a certificate from.
        if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(s.ca.c_str()))
          SSL_CTX_set_client_CA_list(ctx, names);
        ERR_clear_error();
      }
    }
    if (s.verify != TlsVerify::None)
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (s.verify == TlsVerify::Required ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                         nullptr);
    // Resumption through OpenSSL's server session cache only: TLS 1.3
    // tickets then name a cached session (stateful), and no long-lived
    // ticket key exists whose theft would unlock recorded sessions.
    static const unsigned char kSid[] = "superd";
    SSL_CTX_set_session_id_context(ctx, kSid, sizeof kSid - 1);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    if (s.certs.size() > 1) {
      SSL_CTX_set_tlsext_servername_callback(ctx, on_servername);
      SSL_CTX_set_tlsext_servername_arg(ctx, t.get());
    }
    if (!t->alpn_wire_.empty()) SSL_CTX_set_alpn_select_cb(ctx, on_alpn, t.get());
  }
  t->fingerprint_ = fingerprint_of(s);
  ERR_clear_error();  // warnings left by a successful load
  return t;
}

TlsContext::~TlsContext() {
  for (SSL_CTX* c : ctxs_) SSL_CTX_free(c);
}

SSL* TlsContext::new_session() const { return SSL_new(ctxs_.front()); }

// Picks the first certificate whose names cover the name asked for; the
// default one otherwise (the client then decides whether to go on).
int TlsContext::on_servername(SSL* ssl, int*, void* arg) {
  auto* self = static_cast<TlsContext*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (!name) return SSL_TLSEXT_ERR_OK;
  for (SSL_CTX* ctx : self->ctxs_) {
    X509* cert = SSL_CTX_get0_certificate(ctx);
    if (cert && X509_check_host(cert, name, 0, 0, nullptr) == 1) {
      if (ctx != SSL_get_SSL_CTX(ssl)) SSL_set_SSL_CTX(ssl, ctx);
      break;
    }
  }
  return SSL_TLSEXT_ERR_OK;
}

// The first of superd's protocols that the client offers; with none in
// common the handshake goes on without ALPN.
int TlsContext::on_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                        unsigned int inlen, void* arg) {
  auto* self = static_cast<TlsContext*>(arg);
  unsigned char* chosen = nullptr;
  auto server = reinterpret_cast<const unsigned char*>(self->alpn_wire_.data());
  if (SSL_select_next_proto(&chosen, outlen, server, static_cast<unsigned>(self->alpn_wire_.size()), in, inlen) !=
      OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

namespace {
std::string dn_text(X509_NAME* name) {
  BIO* b = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<std::size_t>(n > 0 ? n : 0));
  BIO_free(b);
  return out;
}
}  // namespace

std::vector<std::string> tls_session_env(SSL* ssl) {
  std::vector<std::string> env;
  env.push_back(std::string("SSL_PROTOCOL=") + SSL_get_version(ssl));
  if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl)) env.push_back(std::string("SSL_CIPHER=") + SSL_CIPHER_get_name(c));
  if (const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) env.push_back(std::string("SSL_TLS_SNI=") + sni);
  env.push_back(std::string("SSL_SESSION_RESUMED=") + (SSL_session_reused(ssl) ? "Resumed" : "Initial"));
  const unsigned char* alpn = nullptr;
  unsigned int alpn_len = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
  if (alpn_len > 0) env.push_back("SSL_ALPN_PROTOCOL=" + std::string(reinterpret_cast<const char*>(alpn), alpn_len));
  X509* peer = SSL_get1_peer_certificate(ssl);
  if (peer) {
    env.push_back("SSL_CLIENT_S_DN=" + dn_text(X509_get_subject_name(peer)));
    env.push_back("SSL_CLIENT_I_DN=" + dn_text(X509_get_issuer_name(peer)));
    long v = SSL_get_verify_result(ssl);
    env.push_back(v == X509_V_OK ? std::string("SSL_CLIENT_VERIFY=SUCCESS")
                                 : std::string("SSL_CLIENT_VERIFY=FAILED:") + X509_verify_cert_error_string(v));
    X509_free(peer);
  } else {
    env.push_back("SSL_CLIENT_VERIFY=NONE");
  }
  return env;
}

}  // namespace superd::net
