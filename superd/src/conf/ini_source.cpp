// SPDX-License-Identifier: MIT
// inih is confined to this file. It gives its handler no line numbers, so our
// reader feeds it one line at a time and counts them; it strips each line's
// leading blanks first, so inih never treats an indented line as the
// continuation of the previous value.
//
// Files are read without ever blocking, since a reload reads them again inside
// the event loop: only regular files of at most kMaxConfFileSize bytes.
#include "conf/ini_source.hpp"

#include <fcntl.h>
#include <glob.h>
#include <ini.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>

#include "sys/unique_fd.hpp"

namespace superd::conf {

namespace {

constexpr int kMaxIncludeDepth = 16;

#ifdef SUPERD_HAVE_INI_KNOBS
constexpr std::size_t kInihLineCap = kMaxLineLength;
#else
// Without runtime knobs inih's buffer is fixed at build time; longer lines are
// refused (never silently cut).
constexpr std::size_t kInihLineCap = INI_MAX_LINE - 3;
#endif

struct FileState;

struct ReadContext {
  Settings& out;
  std::vector<Diagnostic>& diags;
  std::vector<std::string> stack;  // canonical paths being read, for cycle detection
  std::map<std::string, Origin> sections;  // service name -> first header
};

struct FileState {
  ReadContext* ctx;
  std::string name;
  std::string_view text;
  std::size_t pos = 0;
  int line = 0;
  std::string current_section;  // as tracked by our reader, for validation
};

void error_at(ReadContext& ctx, const std::string& file, int line, std::string message,
              std::string hint = {}) {
  Diagnostic d;
  d.file = file;
  d.line = line;
  d.message = std::move(message);
  d.hint = std::move(hint);
  ctx.diags.push_back(std::move(d));
}

void read_path(ReadContext& ctx, const std::string& path, const Origin* from);
void parse_text(ReadContext& ctx, std::string_view text, const std::string& name);

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

void do_include(ReadContext& ctx, const FileState& st, const std::string& pattern) {
  Origin here{Layer::ConfFile, st.name, st.line};
  std::string full = pattern.empty() || pattern[0] == '/' ? pattern : dir_of(st.name) + "/" + pattern;
  glob_t g{};
  // A directory that does not exist matches nothing (like an empty one), so
  // that a drop-in directory may be removed; as that is also what a typo in
  // its name does, it is a warning. Any other failure to read a directory is
  // an error.
  auto on_error = [](const char*, int err) { return err == ENOENT || err == ENOTDIR ? 0 : 1; };
  int rc = glob(full.c_str(), 0, on_error, &g);
  bool magic = full.find_first_of("*?[") != std::string::npos;
  std::string dir = dir_of(full);
  struct stat dir_st;
  if (rc == GLOB_NOMATCH && magic && dir.find_first_of("*?[") == std::string::npos &&
      ::stat(dir.c_str(), &dir_st) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
    error_at(ctx, st.name, st.line, "include '" + pattern + "': there is no directory '" + dir + "'",
             "it matches nothing");
    ctx.diags.back().severity = Severity::Warning;
  }
  if (rc == GLOB_NOMATCH && !magic) {
    error_at(ctx, st.name, st.line, "include '" + pattern + "': no such file");
  } else if (rc != 0 && rc != GLOB_NOMATCH) {
    error_at(ctx, st.name, st.line, "include '" + pattern + "': cannot read the directory");
  } else {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) read_path(ctx, g.gl_pathv[i], &here);
  }
  globfree(&g);
}

// Checks a "[name]" line as our reader sees it, before inih does.
void check_section_line(FileState& st, std::string_view line) {
  auto close = line.find(']');
  if (close == std::string_view::npos) return;  // inih reports the syntax error
  std::string name(line.substr(1, close - 1));
  while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
  while (!name.empty() && std::isspace(static_cast<unsigned char>(name.front()))) name.erase(0, 1);
  st.current_section = name;
  if (name == "global") return;
  ReadContext& ctx = *st.ctx;
  if (!valid_service_name(name)) {
    error_at(ctx, st.name, st.line, "invalid service name '" + name + "'",
             "letters, digits, '_' and '-', at most 64 characters");
    return;
  }
  auto [it, fresh] = ctx.sections.emplace(name, Origin{Layer::ConfFile, st.name, st.line});
  if (!fresh)
    error_at(ctx, st.name, st.line, "service '" + name + "' is defined twice",
             "first at " + it->second.file + ":" + std::to_string(it->second.line));
}

// inih's reader callback: hands over the next line without its leading blanks.
char* next_line(char* buf, int size, void* stream) {
  auto& st = *static_cast<FileState*>(stream);
  if (st.pos >= st.text.size()) return nullptr;
  std::size_t end = st.text.find('\n', st.pos);
  if (end == std::string_view::npos) end = st.text.size();
  std::string_view line = st.text.substr(st.pos, end - st.pos);
  st.pos = end + 1;
  ++st.line;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // Never cut a line silently, whatever buffer inih hands over.
  std::size_t cap = std::min(kInihLineCap, static_cast<std::size_t>(size) - 2);
  if (line.size() > cap) {
    error_at(*st.ctx, st.name, st.line,
             "line is " + std::to_string(line.size()) + " bytes, longer than the " +
                 std::to_string(cap) + " allowed");
    line = {};
  }
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  if (line.find('\0') != std::string_view::npos) {
    error_at(*st.ctx, st.name, st.line, "line contains a NUL byte");
    line = {};
  }
  if (!line.empty() && line.front() == '[') check_section_line(st, line);
  std::size_t n = std::min(line.size(), static_cast<std::size_t>(size) - 2);
  std::copy_n(line.data(), n, buf);  // memcpy would take the null data() of an empty line
  buf[n] = '\n';
  buf[n + 1] = '\0';
  return buf;
}

int on_value(void* user, const char* section, const char* key, const char* value) {
  auto& st = *static_cast<FileState*>(user);
  // Our reader's section, not inih's: inih keeps the blanks of "[ echo ]" and
  // cuts names at 50 characters.
  (void)section;
  std::string sec = st.current_section;
  if (sec == "global") sec.clear();
  if (!sec.empty() && !valid_service_name(sec)) return 1;  // already reported
  Setting s{sec, key, value ? value : "", Origin{Layer::ConfFile, st.name, st.line}};
  if (s.key == "include") {
    // Includes are file syntax, valid in any section; the setting is global.
    s.section.clear();
    st.ctx->out.push_back(s);
    do_include(*st.ctx, st, s.text);
    return 1;
  }
  st.ctx->out.push_back(std::move(s));
  return 1;
}

void parse_text(ReadContext& ctx, std::string_view text, const std::string& name) {
#ifdef SUPERD_HAVE_INI_KNOBS
  ini_use_stack = false;
  ini_max_line = static_cast<int>(kMaxLineLength + 3);
  ini_initial_alloc = ini_max_line;  // without ini_use_stack, the buffer inih allocates
  ini_allow_multiline = false;
#endif
  FileState st{&ctx, name, text, 0, 0, {}};
  std::size_t before = ctx.diags.size();
  int rc = ini_parse_stream(&next_line, &st, &on_value, &st);
  if (rc > 0) {
    // inih reports only its first syntax error; ours are already in the list.
    bool known = false;
    for (std::size_t i = before; i < ctx.diags.size(); ++i)
      known = known || (ctx.diags[i].file == name && ctx.diags[i].line == rc);
    if (!known)
      error_at(ctx, name, rc, "syntax error", "expected 'key = value', '[service]' or a comment");
  } else if (rc < 0) {
    error_at(ctx, name, 0, "out of memory while parsing");
  }
}

void read_path(ReadContext& ctx, const std::string& path, const Origin* from) {
  char real[PATH_MAX];
  std::string canon = realpath(path.c_str(), real) ? real : path;
  for (const auto& open : ctx.stack) {
    if (open == canon) {
      error_at(ctx, from ? from->file : std::string(), from ? from->line : 0,
               "include cycle: '" + path + "' is already being read");
      return;
    }
  }
  if (ctx.stack.size() >= kMaxIncludeDepth) {
    error_at(ctx, from ? from->file : std::string(), from ? from->line : 0,
             "includes nested deeper than " + std::to_string(kMaxIncludeDepth));
    return;
  }
  std::string text;
  if (std::string why = read_regular_file(path, text); !why.empty()) {
    error_at(ctx, from ? from->file : std::string(), from ? from->line : 0,
             "cannot read '" + path + "': " + why);
    return;
  }
  ctx.stack.push_back(canon);
  parse_text(ctx, text, path);
  ctx.stack.pop_back();
}

}  // namespace

// Why a file that is not a regular file is refused: "a directory, not a regular file".
static std::string not_regular(mode_t mode) {
  const char* kind = S_ISDIR(mode)    ? "a directory"
                     : S_ISFIFO(mode) ? "a FIFO"
                     : S_ISCHR(mode)  ? "a character device"
                     : S_ISBLK(mode)  ? "a block device"
                     : S_ISSOCK(mode) ? "a socket"
                                      : "a special file";
  return std::string(kind) + ", not a regular file";
}

// The null device (character device 1:3), which reads as empty.
static bool is_dev_null(const struct stat& st) {
  return S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3;
}

// "more than the 16 MiB allowed".
static std::string over_cap() {
  return "more than the " + std::to_string(kMaxConfFileSize / (1024 * 1024)) + " MiB allowed";
}

// Reads the regular file at `path` whole into `text`; returns why it cannot, or "".
// A FIFO, device or directory is refused rather than read, and so is a file
// over the cap, even one that grows past it while being read.
std::string read_regular_file(const std::string& path, std::string& text) {
  struct stat st;
  text.clear();
  // Looking by name first refuses a device without the side effects of opening it;
  // the descriptor is checked again below, as the file may be replaced in between.
  // /dev/null is the one device taken, as an empty file: `-c /dev/null`
  // runs the services named on the command line alone.
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    return is_dev_null(st) ? std::string() : not_regular(st.st_mode);
  sys::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (!fd || ::fstat(fd.get(), &st) != 0) return std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return is_dev_null(st) ? std::string() : not_regular(st.st_mode);
  if (static_cast<unsigned long long>(st.st_size) > kMaxConfFileSize)
    return std::to_string(st.st_size) + " bytes, " + over_cap();
  text.reserve(static_cast<std::size_t>(st.st_size));
  char buf[16 * 1024];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::strerror(errno);
    if (n == 0) return {};
    if (text.size() + static_cast<std::size_t>(n) > kMaxConfFileSize) return over_cap();
    text.append(buf, static_cast<std::size_t>(n));
  }
}


bool valid_service_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  return true;
}

void read_conf_file(const std::string& path, Settings& out, std::vector<Diagnostic>& diags) {
  ReadContext ctx{out, diags, {}, {}};
  read_path(ctx, path, nullptr);
}

void parse_string(std::string_view text, const std::string& name, Settings& out,
                  std::vector<Diagnostic>& diags) {
  ReadContext ctx{out, diags, {}, {}};
  char real[PATH_MAX];
  ctx.stack.push_back(realpath(name.c_str(), real) ? real : name);
  parse_text(ctx, text, name);
}

}  // namespace superd::conf
