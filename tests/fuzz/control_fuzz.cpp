// SPDX-License-Identifier: MIT
// Fuzzes the control socket's request reader and parser: the first byte sets
// the size of the pieces the bytes arrive in, as a socket may cut them. A
// request that parses must read back the same from its own text; the
// answer to one that does not is rendered, as text and as JSON, whatever
// bytes it quotes.
#include <cstdlib>
#include <string>

#include "core/control_render.hpp"
#include "core/control_request.hpp"
#include "fuzz_target.hpp"

using namespace superd::core;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t piece = data[0] % 64 + 1;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  RequestReader reader;
  for (std::size_t at = 0; at < bytes.size() && reader.state() == RequestReader::State::More; at += piece)
    reader.feed(bytes.substr(at, piece));
  if (reader.state() == RequestReader::State::TooLong) return 0;
  // Without an LF, what came so far is parsed as if the line had ended.
  std::string line = reader.state() == RequestReader::State::Line ? reader.line() : std::string(bytes);
  if (line.size() > kMaxRequest) return 0;
  ControlRequest request, again;
  std::string error;
  if (parse_control_request(line, request, error)) {
    if (!parse_control_request(request.text(), again, error) || again.text() != request.text() ||
        again.command != request.command || again.json != request.json || again.service != request.service)
      std::abort();
    return 0;
  }
  Outcome o;
  o.ok = false;
  o.message = error;
  o.service = line;
  (void)render_outcome(o, true);
  (void)render_outcome(o, false);
  (void)word_value(line);
  (void)source_of_peer(line);
  return 0;
}
