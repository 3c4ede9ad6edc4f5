// SPDX-License-Identifier: MIT
// Fuzzes the log's escaping and renderings: the input is a message and a
// field value (split at the first NUL); every format of the record must come
// out as one line of printable, valid UTF-8 that escaping leaves alone (bar
// doubled backslashes), and a journal entry must hold exactly its fields.
#include <cstdlib>
#include <string>

#include "fuzz_target.hpp"
#include "log/escape.hpp"
#include "log/journal.hpp"
#include "log/record.hpp"

namespace {

// What escape() writes is a fixed point of it, once doubled backslashes are
// undone: no control character, no byte outside valid UTF-8.
void check_safe(const std::string& s) {
  std::string again, undoubled;
  superd::log::escape(s, again);
  for (std::size_t i = 0; i < again.size(); ++i) {
    undoubled += again[i];
    if (again[i] == '\\') ++i;
  }
  if (undoubled != s) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  std::size_t nul = in.find('\0');
  std::string message = in.substr(0, nul),
              value = nul == std::string::npos ? "" : in.substr(nul + 1);
  using namespace superd::log;
  Record r(kNotice, "end", message);
  r.add("peer", value).add("pid", static_cast<long long>(size)).add_seconds("duration", 0.5);
  for (Format f : {Format::Text, Format::Logfmt, Format::Json}) {
    std::string line;
    render(r, f, "2024-05-01T12:00:00.000Z", line);
    check_safe(line);
  }
  std::string text, entry, scratch;
  render_text(r, text);
  journal_entry(r, text, "superd", 0, entry, scratch);
  // Escaped values hold no newline: every field is one KEY=value line.
  std::size_t lines = 0;
  for (char c : entry) lines += c == '\n';
  if (lines != 4 + 1 + 3) std::abort();  // MESSAGE.. SYSLOG_IDENTIFIER, EVENT, three fields
  return 0;
}
