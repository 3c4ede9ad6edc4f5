// SPDX-License-Identifier: MIT
// Fuzzes the JSON hub's message reader: any bytes give a registration, a
// route or an error that says why, never a throw; a registration's id and a
// route's destinations are what the hub can use; every error reply built
// from the reader's verdict is itself valid JSON.
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/hub_protocol.hpp"
#include "fuzz_target.hpp"

using superd::core::JsonMessage;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  JsonMessage m = superd::core::parse_json_message(line);
  switch (m.kind) {
    case JsonMessage::Kind::Invalid:
      if (m.error.empty()) std::abort();
      break;
    case JsonMessage::Kind::Register:
      if (m.id.empty() || m.id.size() > superd::core::kJsonIdMax || m.id == "*") std::abort();
      break;
    case JsonMessage::Kind::Route:
      if (!m.to_all && m.to.empty()) std::abort();
      break;
  }
  std::string reply = superd::core::json_reply("error", "error", m.error + std::string(line.substr(0, 64)));
  if (reply.empty() || reply.back() != '\n' ||
      !nlohmann::json::accept(std::string_view(reply).substr(0, reply.size() - 1)))
    std::abort();
  return 0;
}
