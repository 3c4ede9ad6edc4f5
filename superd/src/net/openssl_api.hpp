// SPDX-License-Identifier: MIT
// OpenSSL, loaded when the first TLS context is made rather than at
// start-up: a superd without TLS services never maps libssl and libcrypto
// (about 1.7 MiB resident, and their relocations at every start, `superd
// ctl` included). The functions superd calls are looked up once into
// OpenSslApi; net/openssl_calls.hpp points their names at it.
#pragma once

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <string>

// Every OpenSSL function superd calls, directly or through OpenSSL's macros
// (SSL_CTX_set_mode is SSL_CTX_ctrl). One missing here is an undefined
// reference at link time, since superd does not link OpenSSL.
#define SUPERD_OPENSSL_FUNCTIONS(X) \
  X(ASN1_TIME_to_tm) X(BIO_ctrl) X(BIO_free) X(BIO_new) X(BIO_s_mem) X(ERR_clear_error) X(ERR_peek_error) \
  X(ERR_peek_last_error) X(ERR_reason_error_string) X(EVP_DigestFinal_ex) X(EVP_DigestInit_ex) \
  X(EVP_DigestUpdate) X(EVP_MD_CTX_free) X(EVP_MD_CTX_new) X(EVP_sha256) X(SSL_CIPHER_get_name) \
  X(SSL_CTX_callback_ctrl) X(SSL_CTX_check_private_key) X(SSL_CTX_ctrl) X(SSL_CTX_free) \
  X(SSL_CTX_get0_certificate) X(SSL_CTX_load_verify_dir) X(SSL_CTX_load_verify_file) X(SSL_CTX_new) \
  X(SSL_CTX_set_alpn_select_cb) X(SSL_CTX_set_cipher_list) X(SSL_CTX_set_ciphersuites) \
  X(SSL_CTX_set_client_CA_list) X(SSL_CTX_set_default_passwd_cb) X(SSL_CTX_set_options) \
  X(SSL_CTX_set_session_id_context) X(SSL_CTX_set_verify) X(SSL_CTX_use_PrivateKey_file) \
  X(SSL_CTX_use_certificate_chain_file) X(SSL_do_handshake) X(SSL_free) X(SSL_get0_alpn_selected) \
  X(SSL_get1_peer_certificate) X(SSL_get_SSL_CTX) X(SSL_get_current_cipher) X(SSL_get_error) \
  X(SSL_get_servername) X(SSL_get_verify_result) X(SSL_get_version) X(SSL_load_client_CA_file) \
  X(SSL_new) X(SSL_read) X(SSL_select_next_proto) X(SSL_session_reused) X(SSL_set_SSL_CTX) \
  X(SSL_set_accept_state) X(SSL_set_fd) X(SSL_shutdown) X(SSL_write) X(TLS_server_method) \
  X(X509_NAME_print_ex) X(X509_check_host) X(X509_cmp_current_time) X(X509_free) X(X509_get0_notAfter) \
  X(X509_get0_notBefore) X(X509_get_issuer_name) X(X509_get_subject_name) X(X509_verify_cert_error_string)

namespace superd::net {

struct OpenSslApi {
#define SUPERD_OPENSSL_MEMBER(name) decltype(&::name) name = nullptr;
  SUPERD_OPENSSL_FUNCTIONS(SUPERD_OPENSSL_MEMBER)
#undef SUPERD_OPENSSL_MEMBER
};

extern OpenSslApi openssl_api;

/// Loads OpenSSL's libssl (and with it libcrypto) the first time; true
/// when its functions are ready, else false with why in `error`. Loop
/// thread only (configuration loads), like the rest of the library.
bool load_openssl(std::string& error);

/// True once load_openssl() has succeeded.
bool openssl_loaded();

}  // namespace superd::net
