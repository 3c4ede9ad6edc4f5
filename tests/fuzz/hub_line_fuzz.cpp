// SPDX-License-Identifier: MIT
// Fuzzes the hub's line reader and its handler-command reader. The first
// byte picks the maximum line length (1 to 256) and how the rest is cut into
// reads (1 to 16 bytes each, or whole); the reader's promises are checked:
// the lines it gives are those of the input, none over the maximum and none
// holding LF, it never holds more than the maximum plus a CR, and once it
// refuses a line it refuses everything after. Each line is then read as a
// handler command, which must be understood or say why not.
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/hub_protocol.hpp"
#include "fuzz_target.hpp"

using superd::core::HubCommand;
using superd::core::LineReader;

namespace {

void check_command(std::string_view line) {
  HubCommand c = superd::core::parse_command(line);
  if (c.kind == HubCommand::Kind::Bad && c.error.empty()) std::abort();
  if (c.kind != HubCommand::Kind::Bad && !c.error.empty()) std::abort();
  bool needs_id = c.kind == HubCommand::Kind::Send || c.kind == HubCommand::Kind::Except ||
                  c.kind == HubCommand::Kind::Close;
  if (needs_id && c.id == 0) std::abort();
  if (!c.text.empty() && (c.text.data() < line.data() || c.text.data() + c.text.size() > line.data() + line.size()))
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t max = 1 + data[0] % 256;
  std::size_t step = data[0] >> 4;  // 0: whole
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  LineReader reader(max);
  std::string joined;
  bool ok = true;
  auto on_line = [&](std::string_view line) {
    if (line.size() > max || line.find('\n') != std::string_view::npos) std::abort();
    joined.append(line);
    joined += '\n';
    check_command(line);
    return true;
  };
  for (std::size_t pos = 0; pos < bytes.size() && ok;) {
    std::size_t n = step == 0 ? bytes.size() : std::min(step, bytes.size() - pos);
    ok = reader.feed(bytes.substr(pos, n), on_line);
    if (reader.buffered() > max + 1) std::abort();
    pos += n;
  }
  if (!ok && (!reader.spent() || reader.feed("x\n", on_line))) std::abort();
  if (ok) {
    // Every line given, CRs before LFs dropped, is a prefix of the input so cut.
    std::string expect;
    std::size_t last = bytes.rfind('\n');
    std::string_view done = last == std::string_view::npos ? std::string_view() : bytes.substr(0, last + 1);
    for (std::size_t i = 0; i < done.size(); ++i) {
      if (done[i] == '\r' && i + 1 < done.size() && done[i + 1] == '\n') continue;
      expect += done[i];
    }
    if (expect != joined) std::abort();
  }
  return 0;
}
