// SPDX-License-Identifier: MIT
// TLS termination with real clients: openssl s_client (SNI, client
// certificates, protocol limits), curl --cacert against a small HTTP
// program, socat OPENSSL: through a built-in echo (1 MiB); the SSL_*
// environment; plain text and a stalled handshake; certificate renewal on
// SIGHUP with a session open; bad certificate and key files. Keys and
// certificates are made by the test in its temporary directory.
#include <signal.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "running.hpp"

using namespace superd::test;

namespace {

const std::string kOpenssl = "/usr/bin/openssl";

// A throw-away self-signed certificate for `names` (the first is the CN) in dir/NAME.pem and dir/NAME.key.
void make_cert(const TempDir& dir, const std::string& name, const std::vector<std::string>& names) {
  std::string san;
  for (const std::string& n : names) san += (san.empty() ? "subjectAltName=" : ",") + std::string("DNS:") + n;
  san += ",IP:127.0.0.1";
  RunResult r = run({kOpenssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", dir.path() + "/" + name + ".key", "-out", dir.path() + "/" + name + ".pem", "-days",
                     "2", "-subj", "/CN=" + names.front(), "-addext", san});
  BOOST_REQUIRE_MESSAGE(r.status == 0, r.err);
}

// A CA (ca.pem, ca.key) and a client certificate it signed for CN=`cn` (client.pem, client.key).
void make_client_cert(const TempDir& dir, const std::string& cn) {
  const std::string d = dir.path() + "/";
  RunResult ca = run({kOpenssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                      "-nodes", "-keyout", d + "ca.key", "-out", d + "ca.pem", "-days", "2", "-subj", "/CN=Test CA"});
  BOOST_REQUIRE_MESSAGE(ca.status == 0, ca.err);
  RunResult csr = run({kOpenssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                       "-keyout", d + "client.key", "-out", d + "client.csr", "-subj", "/CN=" + cn});
  BOOST_REQUIRE_MESSAGE(csr.status == 0, csr.err);
  RunResult sign = run({kOpenssl, "x509", "-req", "-in", d + "client.csr", "-CA", d + "ca.pem", "-CAkey",
                        d + "ca.key", "-CAcreateserial", "-out", d + "client.pem", "-days", "2"});
  BOOST_REQUIRE_MESSAGE(sign.status == 0, sign.err);
}

// openssl s_client to 127.0.0.1:`port`: sends `input`, reads until the server closes.
RunResult s_client(int port, const std::vector<std::string>& extra, const std::string& input = "") {
  std::vector<std::string> argv{kOpenssl, "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-ign_eof"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run(argv, input, 20);
}

// openssl s_client to 127.0.0.1:`port` on a thread of its own, into `out`:
// its input stays open for `seconds` and -quiet ignores its end, so it
// reads until superd closes the connection.
std::thread quiet_client(int port, int seconds, RunResult& out) {
  return std::thread([port, seconds, &out] {
    out = run({"/bin/sh", "-c", "sleep " + std::to_string(seconds) + " | " + kOpenssl +
                                    " s_client -connect 127.0.0.1:" + std::to_string(port) + " -quiet"},
              "", 20);
  });
}

const std::string kEnvProgram =
    "exec = /bin/sh -c 'env | grep ^SSL_ | sort; echo TCPREMOTEIP=$TCPREMOTEIP'\n";

// Starts superd after making the certificates the conf names.
struct TlsRunning {
  TempDir certs;
  std::unique_ptr<Running> r;
  explicit TlsRunning(const std::string& conf, int nports = 1) {
    make_cert(certs, "a", {"a.test", "localhost"});
    make_cert(certs, "b", {"b.test"});
    make_client_cert(certs, "alice");
    std::string c = conf;
    for (auto p = c.find("@CERTS@"); p != std::string::npos; p = c.find("@CERTS@")) c.replace(p, 7, certs.path());
    r = std::make_unique<Running>(c, nports);
  }
  const std::string& dir() const { return certs.path(); }
  int port(int i = 0) const { return r->ports[static_cast<std::size_t>(i)]; }
  Superd& superd() const { return *r->superd; }
};

std::string keys_in_certs(const std::string& name = "a") {
  return "tls_cert = @CERTS@/" + name + ".pem\ntls_key = @CERTS@/" + name + ".key\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(builtin_echo_of_one_mebibyte_through_socat) {
  BOOST_REQUIRE_MESSAGE(has("socat"), "socat is needed");
  TlsRunning t("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n" + keys_in_certs());
  std::string data;
  for (int i = 0; data.size() < (1u << 20); ++i) data += "line " + std::to_string(i) + " of the mebibyte\n";
  data.resize(1u << 20);
  RunResult r = run({"socat", "-t", "10", "-", "OPENSSL:127.0.0.1:" + std::to_string(t.port()) + ",cafile=" +
                                                    t.dir() + "/a.pem,commonname=localhost"},
                    data, 60);
  BOOST_TEST(r.out.size() == data.size(), r.err + t.superd().log());
  BOOST_TEST((r.out == data));
  BOOST_TEST(t.superd().wait_log("end service=echo peer=127.0.0.1:"), t.superd().log());
  BOOST_TEST(t.superd().wait_log("bytes_in=1048576 bytes_out=1048576"), t.superd().log());
}

BOOST_AUTO_TEST_CASE(program_half_close_both_ways) {
  BOOST_REQUIRE_MESSAGE(has("socat"), "socat is needed");
  // cat reads the client's bytes to EOF (the client's close_notify), writes
  // them back, and exits: the client reads everything, then EOF.
  TlsRunning t("[cat]\nport = 127.0.0.1:@P0@\nexec = /bin/cat\n" + user_line() + keys_in_certs());
  std::string data(300000, 'c');
  RunResult r = run({"socat", "-t", "10", "-", "OPENSSL:127.0.0.1:" + std::to_string(t.port()) + ",verify=0"}, data);
  BOOST_TEST(r.out.size() == data.size(), r.err + t.superd().log());
  BOOST_TEST(r.status == 0);
  BOOST_TEST(t.superd().wait_log("end service=cat peer=127.0.0.1:"), t.superd().log());
  BOOST_TEST(t.superd().wait_log("status=exit:0"), t.superd().log());
}

BOOST_AUTO_TEST_CASE(a_program_that_ends_its_output_first_costs_no_cpu) {
  // The program shuts its output down and lives on; the client stays
  // connected. The relay then waits for the program's end to close.
  TlsRunning t("[half]\nport = 127.0.0.1:@P0@\n" + user_line() +
               "exec = /usr/bin/python3 -c \"import socket, time; s = socket.socket(fileno=1); "
               "s.sendall(b'bye\\\\n'); s.shutdown(socket.SHUT_WR); time.sleep(3)\"\n" + keys_in_certs());
  RunResult r;
  std::thread client = quiet_client(t.port(), 4, r);
  // Handshake, program start and its shutdown take well under a second.
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  double cpu0 = cpu_seconds(t.superd().pid());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  BOOST_TEST(cpu_seconds(t.superd().pid()) - cpu0 < 0.5, "superd spun while the program's output was closed");
  client.join();
  BOOST_TEST(contains(r.out, "bye\n"), r.out + r.err);
  BOOST_TEST(t.superd().wait_log("end service=half peer=127.0.0.1:"), t.superd().log());
}

// A TLS connection's relay is superd itself: at SIGTERM it is finished like
// a built-in session, so the program's last words still reach the client.
BOOST_AUTO_TEST_CASE(sigterm_lets_a_relayed_program_finish) {
  TlsRunning t("shutdown_timeout = 10\n[slow]\nport = 127.0.0.1:@P0@\n" + user_line() +
               "exec = /bin/sh -c 'echo started; echo program-is-up >&2; sleep 2; echo finished'\n" + keys_in_certs());
  RunResult r;
  std::thread client = quiet_client(t.port(), 6, r);
  BOOST_REQUIRE_MESSAGE(t.superd().wait_log("program-is-up"), t.superd().log());
  BOOST_TEST(t.superd().stop(SIGTERM) == 0);
  client.join();
  BOOST_TEST(r.out == "started\nfinished\n", r.out + r.err + t.superd().log());
  std::string log = t.superd().log();
  BOOST_TEST(contains(log, "finishing 1 connection(s)"), log);
  BOOST_TEST(!contains(log, "shutdown_timeout: closing"), log);
}

// One that does not finish within shutdown_timeout is ended with a close_notify.
BOOST_AUTO_TEST_CASE(sigterm_ends_a_relayed_program_after_shutdown_timeout) {
  TlsRunning t("shutdown_timeout = 1\n[stuck]\nport = 127.0.0.1:@P0@\n" + user_line() +
               "exec = /bin/sh -c 'echo started; echo program-is-up >&2; exec sleep 4'\n" + keys_in_certs());
  RunResult r;
  std::thread client = quiet_client(t.port(), 8, r);
  BOOST_REQUIRE_MESSAGE(t.superd().wait_log("program-is-up"), t.superd().log());
  BOOST_TEST(t.superd().stop(SIGTERM) == 0);
  client.join();
  BOOST_TEST(r.out == "started\n", r.out + r.err + t.superd().log());
  BOOST_TEST(!contains(r.err, "unexpected eof"), r.err);
  BOOST_TEST(contains(t.superd().log(), "shutdown_timeout: closing 1 connection(s)"), t.superd().log());
}

// A handshake that completes once superd is stopping starts nothing: the
// connections superd finishes are the ones it had.
BOOST_AUTO_TEST_CASE(a_handshake_done_during_shutdown_starts_no_program) {
  TlsRunning t("shutdown_timeout = 10\n[p]\nport = 127.0.0.1:@P0@\n" + user_line() +
               "exec = /bin/sh -c 'echo program-is-up >&2; sleep 3'\n" + keys_in_certs());
  RunResult first;
  std::thread keeper = quiet_client(t.port(), 6, first);  // its relay keeps superd finishing for 3 s
  BOOST_REQUIRE_MESSAGE(t.superd().wait_log("program-is-up"), t.superd().log());
  // Connected (and so accepted) now, shaking hands only after the SIGTERM.
  std::string late = t.dir() + "/late";
  RunResult second;
  std::thread slow([&] {
    second = run({"/usr/bin/python3", "-c",
                  "import socket, ssl, sys, time\n"
                  "s = socket.create_connection(('127.0.0.1', " + std::to_string(t.port()) + "))\n"
                  "open(sys.argv[1], 'w').close()\n"
                  "time.sleep(1)\n"
                  "c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
                  "c.check_hostname = False\n"
                  "c.verify_mode = ssl.CERT_NONE\n"
                  "try:\n"
                  "    t = c.wrap_socket(s)\n"
                  "    print('read', len(t.recv(100)))\n"
                  "except (OSError, ssl.SSLError) as e:\n"
                  "    print('closed')\n",
                  late},
                 "", 20);
  });
  for (int i = 0; i < 100 && !std::filesystem::exists(late); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // superd accepts it meanwhile
  ::kill(t.superd().pid(), SIGTERM);
  slow.join();
  keeper.join();
  BOOST_TEST(t.superd().wait_exit() == 0);
  std::string log = t.superd().log();
  BOOST_TEST(log.find("program-is-up") == log.rfind("program-is-up"), "a second program started:\n" + log);
  BOOST_TEST((contains(second.out, "closed") || contains(second.out, "read 0")), second.out + second.err);
}

// Out of descriptors, a TLS client waits in the backlog: the socketpair it
// needs after its handshake is made before it is accepted. Here one
// descriptor is freed, which would let superd accept a client and then
// find no socketpair for it.
BOOST_AUTO_TEST_CASE(out_of_descriptors_a_client_waits_rather_than_being_dropped) {
  BOOST_REQUIRE(has("/usr/bin/prlimit"));
  TempDir certs;
  make_cert(certs, "a", {"a.test", "localhost"});
  int port = free_port();
  std::string conf = certs.write("superd.conf", "[t]\nport = 127.0.0.1:" + std::to_string(port) +
                                                    "\ntls_handshake_timeout = 30\nexec = /bin/echo served\n" +
                                                    user_line() + "tls_cert = " + certs.path() + "/a.pem\n" +
                                                    "tls_key = " + certs.path() + "/a.key\n");
  Superd s(certs, {"-c", conf, "--log_level=3"});
  BOOST_REQUIRE_MESSAGE(s.ready(), s.log());
  // Each client costs 3 descriptors: its socket, and the socketpair made for
  // the next one. With a multiple of 3 free, the socketpair is what fails.
  std::string limit = std::to_string(s.open_fds() + 30);
  RunResult set = run({"/usr/bin/prlimit", "--pid", std::to_string(s.pid()), "--nofile=" + limit + ":" + limit});
  BOOST_REQUIRE_MESSAGE(set.status == 0, set.err);
  // Clients that never shake hands hold their descriptors until then.
  std::vector<int> held;
  for (int i = 0; i < 40 && !contains(s.log(), "Too many open files"); ++i) {
    int fd = tcp_connect(port);
    BOOST_REQUIRE(fd >= 0);
    held.push_back(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  BOOST_REQUIRE_MESSAGE(s.wait_log("socketpair for the next TLS client on 127.0.0.1:" + std::to_string(port) +
                                   "/tcp: Too many open files (service t); pausing for 1s"),
                        s.log());
  RunResult r;
  std::thread client = quiet_client(port, 8, r);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ::close(held.front());  // accepted long ago: its handshake fails and frees what it held
  client.join();
  for (std::size_t i = 1; i < held.size(); ++i) ::close(held[i]);
  BOOST_TEST(r.out == "served\n", r.out + r.err + s.log());
  BOOST_TEST(!contains(s.log(), "peer dropped"), s.log());
}

BOOST_AUTO_TEST_CASE(builtin_idle_timeout_through_tls) {
  TlsRunning t("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\ntimeout = 1\n" + keys_in_certs());
  // An idle client is closed after `timeout`, as on a plain connection; s_client then sees EOF.
  RunResult r = run({"/bin/sh", "-c", "(echo ping; sleep 8) | " + kOpenssl + " s_client -connect 127.0.0.1:" +
                                          std::to_string(t.port()) + " -ign_eof -quiet"},
                    "", 20);
  BOOST_TEST(r.out == "ping\n", r.out + r.err + t.superd().log());
  BOOST_TEST(t.superd().wait_log("status=timeout"), t.superd().log());
}

BOOST_AUTO_TEST_CASE(program_gets_the_session_facts) {
  TlsRunning t("[env]\nport = 127.0.0.1:@P0@\n" + kEnvProgram + user_line() + keys_in_certs());
  RunResult r = s_client(t.port(), {"-servername", "a.test", "-CAfile", t.dir() + "/a.pem", "-quiet"});
  BOOST_TEST(contains(r.out, "SSL_CIPHER=TLS_"), r.out + r.err + t.superd().log());
  BOOST_TEST(contains(r.out, "SSL_CLIENT_VERIFY=NONE\n"), r.out);
  BOOST_TEST(contains(r.out, "SSL_PROTOCOL=TLSv1.3\n"), r.out);
  BOOST_TEST(contains(r.out, "SSL_SESSION_RESUMED=Initial\n"), r.out);
  BOOST_TEST(contains(r.out, "SSL_TLS_SNI=a.test\n"), r.out);
  BOOST_TEST(contains(r.out, "TCPREMOTEIP=127.0.0.1\n"), r.out);
  BOOST_TEST(!contains(r.out, "SSL_CLIENT_S_DN"), r.out);
  // A client that kept its session resumes it from the server's cache.
  std::string sess = t.dir() + "/session";
  r = s_client(t.port(), {"-sess_out", sess, "-quiet"});
  BOOST_TEST(contains(r.out, "SSL_SESSION_RESUMED=Initial\n"), r.out + r.err);
  r = s_client(t.port(), {"-sess_in", sess, "-quiet"});
  BOOST_TEST(contains(r.out, "SSL_SESSION_RESUMED=Resumed\n"), r.out + r.err);
  // TLS 1.2 with a chosen cipher.
  r = s_client(t.port(), {"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", "-quiet"});
  BOOST_TEST(contains(r.out, "SSL_PROTOCOL=TLSv1.2\n"), r.out + r.err);
  BOOST_TEST(contains(r.out, "SSL_CIPHER=ECDHE-ECDSA-AES128-GCM-SHA256\n"), r.out);
  BOOST_TEST(!contains(r.out, "SSL_TLS_SNI"), r.out);
}

BOOST_AUTO_TEST_CASE(curl_against_a_small_http_program) {
  BOOST_REQUIRE_MESSAGE(has("curl"), "curl is needed");
  TlsRunning t("[http]\nport = 127.0.0.1:@P0@\n" + user_line() +
               "exec = /bin/sh -c 'read request; printf \"HTTP/1.0 200 OK\\r\\nContent-Length: 12\\r\\n\\r\\n\"; "
               "echo \"$request\" | cut -c1-11'\n" +
               keys_in_certs() + "tls_alpn = http/1.1\n");
  std::string url = "https://localhost:" + std::to_string(t.port()) + "/";
  RunResult r = run({"curl", "-sS", "--http1.1", "--cacert", t.dir() + "/a.pem", "--resolve",
                     "localhost:" + std::to_string(t.port()) + ":127.0.0.1", url});
  BOOST_TEST(r.status == 0, r.err + t.superd().log());
  BOOST_TEST(r.out == "GET / HTTP/\n", r.out + r.err);
  // Without the CA, curl refuses the self-signed certificate.
  RunResult bad = run({"curl", "-sS", "--resolve", "localhost:" + std::to_string(t.port()) + ":127.0.0.1", url});
  BOOST_TEST(bad.status != 0);
}

BOOST_AUTO_TEST_CASE(sni_picks_the_certificate) {
  TlsRunning t("[env]\nport = 127.0.0.1:@P0@\n" + kEnvProgram + user_line() + keys_in_certs("a") +
               keys_in_certs("b"));
  RunResult b = s_client(t.port(), {"-servername", "b.test", "-CAfile", t.dir() + "/b.pem", "-verify_return_error"});
  BOOST_TEST(contains(b.out, "subject=CN = b.test"), b.out + b.err);
  BOOST_TEST(contains(b.out, "SSL_TLS_SNI=b.test"), b.out);
  RunResult a = s_client(t.port(), {"-servername", "localhost", "-CAfile", t.dir() + "/a.pem", "-verify_return_error"});
  BOOST_TEST(contains(a.out, "subject=CN = a.test"), a.out + a.err);
  // An unknown name, or none, gets the first certificate.
  RunResult none = s_client(t.port(), {"-noservername"});
  BOOST_TEST(contains(none.out, "subject=CN = a.test"), none.out + none.err);
}

BOOST_AUTO_TEST_CASE(client_certificates_required) {
  TlsRunning t("[env]\nport = 127.0.0.1:@P0@\n" + kEnvProgram + user_line() + keys_in_certs() +
               "tls_ca = @CERTS@/ca.pem\ntls_verify_client = required\n");
  RunResult ok = s_client(t.port(), {"-cert", t.dir() + "/client.pem", "-key", t.dir() + "/client.key", "-quiet"});
  BOOST_TEST(contains(ok.out, "SSL_CLIENT_S_DN=CN=alice\n"), ok.out + ok.err + t.superd().log());
  BOOST_TEST(contains(ok.out, "SSL_CLIENT_I_DN=CN=Test CA\n"), ok.out);
  BOOST_TEST(contains(ok.out, "SSL_CLIENT_VERIFY=SUCCESS\n"), ok.out);
  RunResult without = s_client(t.port(), {"-quiet"});
  BOOST_TEST(!contains(without.out, "SSL_"), without.out);
  BOOST_TEST(t.superd().wait_log("reason=TLS handshake: peer did not return a certificate"), t.superd().log());
  // A certificate from another CA fails verification.
  RunResult other = s_client(t.port(), {"-cert", t.dir() + "/b.pem", "-key", t.dir() + "/b.key", "-quiet"});
  BOOST_TEST(!contains(other.out, "SSL_"), other.out);
  BOOST_TEST(t.superd().wait_log("reason=TLS handshake: certificate verify failed"), t.superd().log());
}

BOOST_AUTO_TEST_CASE(client_certificates_optional) {
  TlsRunning t("[env]\nport = 127.0.0.1:@P0@\n" + kEnvProgram + user_line() + keys_in_certs() +
               "tls_ca = @CERTS@/ca.pem\ntls_verify_client = optional\n");
  RunResult with = s_client(t.port(), {"-cert", t.dir() + "/client.pem", "-key", t.dir() + "/client.key", "-quiet"});
  BOOST_TEST(contains(with.out, "SSL_CLIENT_VERIFY=SUCCESS\n"), with.out + with.err);
  RunResult without = s_client(t.port(), {"-quiet"});
  BOOST_TEST(contains(without.out, "SSL_CLIENT_VERIFY=NONE\n"), without.out + without.err);
}

BOOST_AUTO_TEST_CASE(protocol_floor) {
  TlsRunning t("[env]\nport = 127.0.0.1:@P0@\n" + kEnvProgram + user_line() + keys_in_certs() +
               "tls_min_version = 1.3\n");
  RunResult old = s_client(t.port(), {"-tls1_2", "-quiet"});
  BOOST_TEST(!contains(old.out, "SSL_"), old.out);
  BOOST_TEST(t.superd().wait_log("reason=TLS handshake: unsupported protocol"), t.superd().log());
  RunResult now = s_client(t.port(), {"-quiet"});
  BOOST_TEST(contains(now.out, "SSL_PROTOCOL=TLSv1.3\n"), now.out + now.err);
}

BOOST_AUTO_TEST_CASE(plain_text_and_stalled_handshakes_cost_only_their_connection) {
  TlsRunning t("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n" + keys_in_certs() +
               "tls_handshake_timeout = 1\n");
  BOOST_TEST(tcp_talk(t.port(), "GET / HTTP/1.0\r\n\r\n").find("hello") == std::string::npos);
  BOOST_TEST(t.superd().wait_log("refuse service=echo peer=127.0.0.1:"), t.superd().log());
  BOOST_TEST(t.superd().wait_log("reason=TLS handshake: http request"), t.superd().log());
  BOOST_TEST(tcp_talk(t.port(), std::string(300, 'x')) == "");
  BOOST_TEST(t.superd().wait_log("reason=TLS handshake: wrong version number"), t.superd().log());
  int stalled = tcp_connect(t.port());
  BOOST_REQUIRE(stalled >= 0);
  // Served while the other one stalls (socat half-closes after its input).
  RunResult r = run({"socat", "-t", "5", "-", "OPENSSL:127.0.0.1:" + std::to_string(t.port()) + ",verify=0"},
                    "still served\n");
  BOOST_TEST(contains(r.out, "still served\n"), r.out + r.err + t.superd().log());
  BOOST_TEST(t.superd().wait_log("reason=TLS handshake: not done within 1s"), t.superd().log());
  BOOST_TEST(reads_eof(stalled));
  ::close(stalled);
  // Three refused, one served: a failed handshake is not a served client.
  ::kill(t.superd().pid(), SIGUSR1);
  BOOST_TEST(t.superd().wait_log("served=1 refused=3 "), t.superd().log());
}

BOOST_AUTO_TEST_CASE(huge_client_hello_and_renegotiation_cost_only_their_connection) {
  TlsRunning t("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n" + keys_in_certs());
  // A ClientHello that announces 16 MiB is refused after its first record.
  int huge = tcp_connect(t.port());
  BOOST_REQUIRE(huge >= 0);
  std::string hello = std::string("\x16\x03\x01\x40\x00", 5) + std::string("\x01\xff\xff\xff", 4);
  hello += std::string(0x4000 - 4, '\0');
  std::string answer = converse(huge, hello, ~std::size_t{0}, 10, false);
  BOOST_TEST(answer.size() < 16u, "more than an alert came back");  // then EOF
  ::close(huge);
  BOOST_TEST(t.superd().wait_log("reason=TLS handshake: excessive message size"), t.superd().log());
  // Renegotiation is refused: the client that asks for it gives up; others are served.
  RunResult reneg = run({"/bin/sh", "-c", "(echo R; sleep 1; echo after; sleep 1) | " + kOpenssl +
                                               " s_client -tls1_2 -connect 127.0.0.1:" + std::to_string(t.port())},
                        "", 20);
  BOOST_TEST(contains(reneg.err, "RENEGOTIATING"), reneg.out + reneg.err);
  BOOST_TEST(contains(reneg.err, "no renegotiation"), reneg.err);
  BOOST_TEST(!contains(reneg.out, "after"), reneg.out);
  RunResult r = s_client(t.port(), {"-quiet"}, "still served\n");
  BOOST_TEST(r.out == "still served\n", r.out + r.err + t.superd().log());
}

BOOST_AUTO_TEST_CASE(renewed_certificate_on_reload_keeps_live_sessions) {
  TlsRunning t("[slow]\nport = 127.0.0.1:@P0@\n" + user_line() +
               "exec = /bin/sh -c 'echo started; read line; echo \"got $line\"'\n" + keys_in_certs());
  // A session open across the reload: it gets its answer afterwards.
  RunResult live;
  std::thread client([&] {
    live = run({"/bin/sh", "-c", "(sleep 3; echo after-reload) | " + kOpenssl + " s_client -connect 127.0.0.1:" +
                                     std::to_string(t.port()) + " -ign_eof -quiet"},
               "", 30);
  });
  BOOST_TEST(t.superd().wait_log("service=slow"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // Renewal: a new certificate (new CN) in the same files.
  make_cert(t.certs, "a", {"renewed.test"});
  BOOST_TEST(t.superd().reload(), t.superd().log());
  BOOST_TEST(t.superd().wait_log("service slow: changed (tls_cert)"), t.superd().log());
  RunResult after = s_client(t.port(), {}, "x\n");
  BOOST_TEST(contains(after.out, "subject=CN = renewed.test"), after.out + after.err);
  client.join();
  BOOST_TEST(contains(live.out, "started\ngot after-reload\n"), live.out + live.err + t.superd().log());
  // Unchanged files: the service is kept.
  BOOST_TEST(t.superd().reload(), t.superd().log());
  BOOST_TEST(t.superd().wait_log("service slow: kept"), t.superd().log());
}

BOOST_AUTO_TEST_CASE(configuration_errors_name_the_file) {
  TempDir dir;
  make_cert(dir, "a", {"a.test"});
  make_cert(dir, "b", {"b.test"});
  std::string garbage = dir.write("garbage.pem", "not a certificate\n");
  std::string d = dir.path();
  std::string conf = dir.write(
      "superd.conf",
      "[bad_cert]\nport = 127.0.0.1:1\nbuiltin = echo\ntls_cert = " + garbage + "\ntls_key = " + d + "/a.key\n" +
          "[mismatch]\nport = 127.0.0.1:2\nbuiltin = echo\ntls_cert = " + d + "/a.pem\ntls_key = " + d + "/b.key\n" +
          "[missing]\nport = 127.0.0.1:3\nbuiltin = echo\ntls_cert = " + d + "/none.pem\ntls_key = " + d + "/a.key\n" +
          "[wait]\nport = 127.0.0.1:4\nexec = /bin/cat\nwait = yes\ntls_cert = " + d + "/a.pem\ntls_key = " + d +
          "/a.key\n" + "[udp]\nport = 127.0.0.1:5/udp\nbuiltin = echo\ntls_cert = " + d + "/a.pem\ntls_key = " + d +
          "/a.key\n" + "[no_ca]\nport = 127.0.0.1:6\nbuiltin = echo\ntls_cert = " + d + "/a.pem\ntls_key = " + d +
          "/a.key\ntls_verify_client = required\n" + "[unpaired]\nport = 127.0.0.1:7\nbuiltin = echo\ntls_cert = " +
          d + "/a.pem\n" + "[version]\nport = 127.0.0.1:8\nbuiltin = echo\ntls_min_version = 1.1\n");
  RunResult check = run({SUPERD_BINARY, "--check", "-c", conf, "--user=nobody"});
  BOOST_TEST(check.status == 1);
  const std::string& e = check.err;
  BOOST_TEST(contains(e, conf + ":4: service 'bad_cert': certificate file '" + garbage + "': "), e);
  BOOST_TEST(contains(e, conf + ":10: service 'mismatch': key file '" + d + "/b.key' does not match certificate '" +
                             d + "/a.pem'"),
             e);
  BOOST_TEST(contains(e, conf + ":14: service 'missing': certificate file '" + d + "/none.pem': No such file or directory"), e);
  BOOST_TEST(contains(e, conf + ":20: service 'wait': TLS needs wait = no: in wait mode the program accepts on "
                             "127.0.0.1:4/tcp itself"),
             e);
  BOOST_TEST(contains(e, conf + ":25: service 'udp': TLS applies to stream endpoints only, not to 127.0.0.1:5/udp"),
             e);
  BOOST_TEST(contains(e, conf + ":32: service 'no_ca': checking client certificates needs tls_ca"), e);
  BOOST_TEST(contains(e, conf + ":34: service 'unpaired': 1 tls_cert but 0 tls_key; they go in pairs"), e);
  BOOST_TEST(contains(e, conf + ":40: bad value for 'tls_min_version': '1.1' is not a TLS version (expected 1.2 or 1.3)"),
             e);
}

// A certificate out of date loads (it may be renewed before anyone checks),
// but --check and every start and reload say when it expired.
BOOST_AUTO_TEST_CASE(expired_certificate_is_a_warning) {
  TempDir dir;
  const std::string d = dir.path() + "/";
  // `openssl ca` is the one OpenSSL 3.0 command that sets both dates.
  dir.write("index.txt", "");
  dir.write("serial", "01\n");
  std::string cnf = dir.write("ca.cnf", "[ca]\ndefault_ca = d\n[d]\ndatabase = " + d + "index.txt\nnew_certs_dir = " +
                                            dir.path() + "\nserial = " + d + "serial\ndefault_md = sha256\n"
                                            "policy = p\n[p]\ncommonName = supplied\n");
  RunResult csr = run({kOpenssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                       "-keyout", d + "old.key", "-out", d + "old.csr", "-subj", "/CN=localhost"});
  BOOST_REQUIRE_MESSAGE(csr.status == 0, csr.err);
  RunResult sign = run({kOpenssl, "ca", "-batch", "-config", cnf, "-selfsign", "-keyfile", d + "old.key", "-in",
                        d + "old.csr", "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-notext",
                        "-out", d + "old.pem"});
  BOOST_REQUIRE_MESSAGE(sign.status == 0, sign.err);
  std::string conf = dir.write("superd.conf", "[old]\nport = 127.0.0.1:1\nbuiltin = echo\ntls_cert = " + d +
                                                  "old.pem\ntls_key = " + d + "old.key\n");
  RunResult check = run({SUPERD_BINARY, "--check", "-c", conf, "--user=nobody"});
  BOOST_TEST(check.status == 0, check.err);
  BOOST_TEST(contains(check.err, conf + ":4: warning: service 'old': certificate '" + d +
                                     "old.pem' expired on 2020-01-02 00:00:00 UTC: clients that check "
                                     "certificates will refuse the connection"),
             check.err);
}

BOOST_AUTO_TEST_CASE(openssl_is_loaded_only_for_tls) {
  auto maps_of = [](pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  };
  // Without a TLS service, superd never maps libssl or libcrypto.
  Running plain("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n");
  std::string maps = maps_of(plain.superd->pid());
  BOOST_REQUIRE_MESSAGE(contains(maps, "libc"), "superd's memory map was not read: " + maps);
  BOOST_TEST(!contains(maps, "libssl"), maps);
  BOOST_TEST(!contains(maps, "libcrypto"), maps);
  // With one, it does, and serves TLS with it.
  TempDir dir;
  make_cert(dir, "a", {"localhost"});
  Running tls("[t]\nport = 127.0.0.1:@P0@\nbuiltin = echo\ntls_cert = " + dir.path() + "/a.pem\ntls_key = " +
              dir.path() + "/a.key\n");
  BOOST_TEST(contains(maps_of(tls.superd->pid()), "libssl"));
  // A libssl that cannot be loaded is a configuration error naming the
  // service, the line and the library's own complaint.
  std::string fake = dir.path() + "/lib";
  ::mkdir(fake.c_str(), 0755);
  dir.write("lib/libssl.so.3", "not a library\n");
  std::string conf = tls.dir.path() + "/superd.conf";
  RunResult check = run({SUPERD_BINARY, "--check", "-c", conf, "--user=nobody"}, "", 20, {{"LD_LIBRARY_PATH", fake}});
  BOOST_TEST(check.status == 1);
  BOOST_TEST(contains(check.err, conf + ":4: service 't': TLS needs OpenSSL's libssl.so.3, which cannot be loaded: " +
                                     fake + "/libssl.so.3: "),
             check.err);
}

BOOST_AUTO_TEST_SUITE_END()
