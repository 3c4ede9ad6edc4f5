// SPDX-License-Identifier: MIT
#include "harness.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace superd::test {

namespace {

double now() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

int poll_ms(double deadline) {
  double left = deadline - now();
  return left <= 0 ? 0 : static_cast<int>(left * 1000) + 1;
}

void remove_tree(const std::string& path) {
  if (DIR* d = ::opendir(path.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string full = path + "/" + name;
      struct stat st;
      if (::lstat(full.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) remove_tree(full);
      else ::unlink(full.c_str());
    }
    ::closedir(d);
  }
  ::rmdir(path.c_str());
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int exit_code(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return -1;
}

// Waits for `pid` until `deadline`; returns the raw status, or -1.
int wait_until(pid_t pid, double deadline) {
  for (;;) {
    int st = 0;
    pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid) return st;
    if (r < 0 || now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

TempDir::TempDir() {
  char tmpl[] = "/tmp/superd-test.XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
  ::chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() { remove_tree(path_); }

std::string TempDir::write(const std::string& name, const std::string& content, bool executable) const {
  std::string full = path_ + "/" + name;
  {
    std::ofstream out(full, std::ios::binary | std::ios::trunc);
    out << content;
  }
  ::chmod(full.c_str(), executable ? 0755 : 0644);
  return full;
}

int free_port() {
  for (int attempt = 0; attempt < 100; ++attempt) {
    int t = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(t, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(t, reinterpret_cast<sockaddr*>(&a), &len);
    int u = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    bool ok = ::bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(u);
    ::close(t);
    if (ok) return ntohs(a.sin_port);
  }
  throw std::runtime_error("no free port");
}

unsigned long listening_inode(int port) {
  std::ifstream f("/proc/net/tcp");
  std::string line;
  char want[32];
  std::snprintf(want, sizeof want, "0100007F:%04X", port);
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string sl, local, remote, state, queues, tr, retr, uid, timeout;
    unsigned long inode = 0;
    in >> sl >> local >> remote >> state >> queues >> tr >> retr >> uid >> timeout >> inode;
    if (local == want && state == "0A") return inode;
  }
  return 0;
}

bool has(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':'))
    if (::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  return false;
}

RunResult run(const std::vector<std::string>& argv, const std::string& input, double timeout,
              const std::map<std::string, std::string>& env) {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC))
    throw std::runtime_error("pipe2 failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) {
    std::string s = *e;
    if (!env.count(s.substr(0, s.find('=')))) envs.push_back(s);
  }
  for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (auto& e : envs) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, cargv[0], &fa, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  RunResult r;
  if (rc != 0) {
    ::close(in[1]), ::close(out[0]), ::close(err[0]);
    r.err = std::string("spawn failed: ") + std::strerror(rc);
    return r;
  }
  std::size_t written = 0;
  if (input.empty()) ::close(in[1]), in[1] = -1;
  ::fcntl(in[1], F_SETFL, O_NONBLOCK);
  double deadline = now() + timeout;
  bool out_open = true, err_open = true;
  while ((out_open || err_open) && now() < deadline) {
    pollfd p[3] = {{out_open ? out[0] : -1, POLLIN, 0}, {err_open ? err[0] : -1, POLLIN, 0},
                   {in[1], POLLOUT, 0}};
    ::poll(p, 3, poll_ms(deadline));
    char buf[65536];
    for (int i = 0; i < 2; ++i) {
      if (!(p[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = ::read(p[i].fd, buf, sizeof buf);
      if (n > 0) (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
      else (i == 0 ? out_open : err_open) = false;
    }
    if (in[1] >= 0 && (p[2].revents & (POLLOUT | POLLERR))) {
      ssize_t n = ::write(in[1], input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n < 0 || written == input.size()) ::close(in[1]), in[1] = -1;
    }
  }
  if (in[1] >= 0) ::close(in[1]);
  ::close(out[0]);
  ::close(err[0]);
  int st = wait_until(pid, deadline);
  if (st < 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &st, 0);
    r.status = -1;
    return r;
  }
  r.status = exit_code(st);
  return r;
}

Superd::Superd(const TempDir& dir, std::vector<std::string> args, const std::string& binary) {
  log_path_ = dir.path() + "/superd.log";
  notify_path_ = dir.path() + "/notify.sock";
  notify_fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, notify_path_.c_str(), sizeof a.sun_path - 1);
  ::bind(notify_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  // Writable by all, as systemd's is: a superd that dropped root still notifies.
  ::chmod(notify_path_.c_str(), 0666);
  int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, null_fd, 0);
  posix_spawn_file_actions_adddup2(&fa, log_fd, 1);
  posix_spawn_file_actions_adddup2(&fa, log_fd, 2);
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "NOTIFY_SOCKET=", 14) != 0) envs.emplace_back(*e);
  envs.push_back("NOTIFY_SOCKET=" + notify_path_);
  std::vector<char*> cargv{const_cast<char*>(binary.c_str())}, cenv;
  for (auto& s : args) cargv.push_back(s.data());
  cargv.push_back(nullptr);
  for (auto& e : envs) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  int rc = posix_spawn(&pid_, binary.c_str(), &fa, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  ::close(log_fd);
  ::close(null_fd);
  if (rc != 0) throw std::runtime_error("cannot start " + binary + ": " + std::strerror(rc));
}

Superd::~Superd() {
  if (status_ < 0 && pid_ > 0) stop(SIGTERM, 10);
  if (status_ < 0 && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (notify_fd_ >= 0) ::close(notify_fd_);
}

bool Superd::ready(double timeout) {
  double deadline = now() + timeout;
  while (now() < deadline) {
    pollfd p{notify_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) > 0) {
      char buf[1024];
      ssize_t n = ::recv(notify_fd_, buf, sizeof buf - 1, 0);
      if (n <= 0) continue;
      notes_.emplace_back(buf, static_cast<std::size_t>(n));
      if (notes_.back().find("READY=1") != std::string::npos) return true;
    }
    int st = 0;
    if (status_ < 0 && ::waitpid(pid_, &st, WNOHANG) == pid_) {
      status_ = exit_code(st);
      return false;
    }
  }
  return false;
}

bool Superd::wait_notification(const std::string& needle, std::size_t from, double timeout) {
  double deadline = now() + timeout;
  for (;;) {
    for (std::size_t i = from; i < notes_.size(); ++i)
      if (notes_[i].find(needle) != std::string::npos) return true;
    if (now() >= deadline) return false;
    pollfd p{notify_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    char buf[1024];
    ssize_t n = ::recv(notify_fd_, buf, sizeof buf - 1, 0);
    if (n > 0) notes_.emplace_back(buf, static_cast<std::size_t>(n));
  }
}

bool Superd::reload(double timeout) {
  if (status_ >= 0) return false;
  ::kill(pid_, SIGHUP);
  return ready(timeout);
}

int Superd::stop(int sig, double timeout) {
  if (status_ >= 0) return status_;
  ::kill(pid_, sig);
  return wait_exit(timeout);
}

int Superd::wait_exit(double timeout) {
  if (status_ >= 0) return status_;
  int st = wait_until(pid_, now() + timeout);
  if (st < 0) return -1;
  status_ = exit_code(st);
  return status_;
}

std::string Superd::log() const { return read_file(log_path_); }

bool Superd::wait_log(const std::string& needle, double timeout) const {
  double deadline = now() + timeout;
  do {
    if (log().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (now() < deadline);
  return false;
}

int Superd::open_fds() const {
  int n = 0;
  if (DIR* d = ::opendir(("/proc/" + std::to_string(pid_) + "/fd").c_str())) {
    while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
  }
  return n;
}

long Superd::rss_kib() const {
  std::istringstream in(read_file("/proc/" + std::to_string(pid_) + "/status"));
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

std::vector<pid_t> Superd::zombie_children() const {
  std::vector<pid_t> out;
  if (DIR* d = ::opendir("/proc")) {
    while (dirent* e = ::readdir(d)) {
      pid_t p = std::atoi(e->d_name);
      if (p <= 0) continue;
      std::string stat = read_file("/proc/" + std::string(e->d_name) + "/stat");
      auto close = stat.rfind(')');
      if (close == std::string::npos) continue;
      char state = 0;
      int ppid = 0;
      std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid);
      if (ppid == pid_ && state == 'Z') out.push_back(p);
    }
    ::closedir(d);
  }
  return out;
}

double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string f;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stoul(f);
    if (i == 15) stime = std::stoul(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

int tcp_connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

namespace {
sockaddr_un unix_address(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  return a;
}
}  // namespace

int unix_bound(const std::string& path, int type) {
  int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  sockaddr_un a = unix_address(path);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int unix_connect(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a = unix_address(path);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string converse(int fd, const std::string& data, std::size_t want, double timeout,
                     bool half_close) {
  std::string got;
  if (fd < 0) return got;
  double deadline = now() + timeout;
  std::size_t sent = 0;
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  bool shut = false;
  while (got.size() < want && now() < deadline) {
    if (sent == data.size() && half_close && !shut) ::shutdown(fd, SHUT_WR), shut = true;
    pollfd p{fd, static_cast<short>(POLLIN | (sent < data.size() ? POLLOUT : 0)), 0};
    if (::poll(&p, 1, poll_ms(deadline)) <= 0) continue;
    if (p.revents & POLLOUT) {
      ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<std::size_t>(n);
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[65536];
      ssize_t n = ::read(fd, buf, std::min(sizeof buf, want - got.size()));
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
    }
  }
  return got;
}

std::string tcp_talk(int port, const std::string& data, std::size_t want, double timeout) {
  int fd = tcp_connect(port);
  std::string got = converse(fd, data, want, timeout);
  if (fd >= 0) ::close(fd);
  return got;
}

std::string udp_talk(int port, const std::string& data, double timeout) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  pollfd p{fd, POLLIN, 0};
  std::string got;
  if (::poll(&p, 1, static_cast<int>(timeout * 1000)) > 0) {
    char buf[65536];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n >= 0) got.assign(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return got;
}

bool reads_eof(int fd, double timeout) {
  double deadline = now() + timeout;
  char buf[4096];
  while (now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, poll_ms(deadline)) <= 0) continue;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) return true;
    if (n < 0 && errno != EAGAIN && errno != EINTR) return true;
  }
  return false;
}

}  // namespace superd::test
