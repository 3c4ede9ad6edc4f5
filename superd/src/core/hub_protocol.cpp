// SPDX-License-Identifier: MIT
// The hub's command and JSON readers. JSON is read with nlohmann-json, which
// validates the whole object (UTF-8 included) before anything is routed:
// the line is untrusted input from the network, and the library is already
// one of superd's dependencies.
#include "core/hub_protocol.hpp"

#include <nlohmann/json.hpp>
#include <unordered_set>
#include <vector>

namespace superd::core {

namespace {

using HubJson = nlohmann::json;

std::string_view word(std::string_view& rest) {
  std::size_t end = rest.find(' ');
  std::string_view w = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return w;
}

std::string shown(std::string_view text) {
  constexpr std::size_t kShown = 40;
  std::string s(text.substr(0, kShown));
  if (text.size() > kShown) s += "...";
  return s;
}

// Fills `out.to`/`out.to_all` from a "to" field; false with `out.error` set when it is not one.
bool read_destination(const HubJson& to, JsonMessage& out) {
  if (to.is_string()) {
    const std::string& s = to.get_ref<const std::string&>();
    if (s == "*") return out.to_all = true;
    out.to.push_back(s);
    return true;
  }
  if (!to.is_array() || to.empty()) {
    out.error = "\"to\" must be an id, a non-empty list of ids, or \"*\"";
    return false;
  }
  std::unordered_set<std::string_view> seen;  // each receiver gets a message once
  for (const HubJson& d : to) {
    if (!d.is_string()) {
      out.error = "\"to\" lists something that is not an id (a string)";
      return false;
    }
    if (seen.insert(d.get_ref<const std::string&>()).second) out.to.push_back(d.get<std::string>());
  }
  return true;
}

}  // namespace

bool parse_client_id(std::string_view text, std::uint64_t& id) {
  if (text.empty() || text.size() > 19) return false;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v == 0) return false;
  id = v;
  return true;
}

HubCommand parse_command(std::string_view line) {
  HubCommand c;
  if (line.empty()) {
    c.kind = HubCommand::Kind::Empty;
    return c;
  }
  std::string_view rest = line;
  std::string_view verb = word(rest);
  if (verb == "all") {
    c.kind = HubCommand::Kind::All;
    c.text = rest;
    return c;
  }
  if (verb != "send" && verb != "except" && verb != "close") {
    c.error = "unknown command '" + shown(verb) + "' (expected send, all, except or close)";
    return c;
  }
  std::string_view id = word(rest);
  if (!parse_client_id(id, c.id)) {
    c.error = "'" + std::string(verb) + "' needs a client id (a number), not '" + shown(id) + "'";
    return c;
  }
  if (verb == "close") {
    c.kind = HubCommand::Kind::Close;
    if (!rest.empty()) c.error = "'close ID' takes nothing after the id", c.kind = HubCommand::Kind::Bad;
    return c;
  }
  c.kind = verb == "send" ? HubCommand::Kind::Send : HubCommand::Kind::Except;
  c.text = rest;
  return c;
}

JsonMessage parse_json_message(std::string_view line) {
  JsonMessage out;
  // The parse callback stops (throws HubJsonRefusal) at what the hub refuses
  // but the library would accept: nesting deeper than kJsonDepthMax, and an
  // object naming one key twice (receivers may read either copy).
  struct HubJsonRefusal {
    std::string why;
  };
  int depth = 0;
  std::vector<std::unordered_set<std::string>> keys;
  auto check = [&](int, HubJson::parse_event_t event, HubJson& parsed) {
    using Event = HubJson::parse_event_t;
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        if (++depth > kJsonDepthMax)
          throw HubJsonRefusal{"nested deeper than " + std::to_string(kJsonDepthMax) + " levels"};
        if (event == Event::object_start) keys.emplace_back();
        break;
      case Event::object_end:
      case Event::array_end:
        --depth;
        if (event == Event::object_end && !keys.empty()) keys.pop_back();
        break;
      case Event::key:
        if (!keys.empty() && parsed.is_string() && !keys.back().insert(parsed.get<std::string>()).second)
          throw HubJsonRefusal{"duplicate key \"" + shown(parsed.get_ref<const std::string&>()) + "\" in an object"};
        break;
      case Event::value: break;
    }
    return true;
  };
  HubJson j;
  try {
    j = HubJson::parse(line.begin(), line.end(), check, false);
  } catch (const HubJsonRefusal& r) {
    out.error = "invalid JSON: " + r.why;
    return out;
  }
  if (j.is_discarded()) {
    // Parse again only to say why: errors are rare, and the first pass never throws.
    try {
      HubJson again = HubJson::parse(line.begin(), line.end());
      out.error = "invalid JSON";
    } catch (const HubJson::exception& e) {
      out.error = std::string("invalid JSON: ") + e.what();
    }
    return out;
  }
  if (!j.is_object()) {
    out.error = "a message must be a JSON object";
    return out;
  }
  auto type = j.find("type");
  if (type != j.end() && *type == "register") {
    auto id = j.find("id");
    if (id == j.end() || !id->is_string() || id->get_ref<const std::string&>().empty() ||
        id->get_ref<const std::string&>().size() > kJsonIdMax || *id == "*") {
      out.error = "a registration needs \"id\": a string of 1 to 256 bytes other than \"*\"";
      return out;
    }
    out.kind = JsonMessage::Kind::Register;
    out.id = id->get<std::string>();
    return out;
  }
  auto from = j.find("from");
  auto to = j.find("to");
  if (from == j.end() || !from->is_string()) {
    out.error = "a message needs \"from\": the sender's registered id";
    return out;
  }
  if (to == j.end()) {
    out.error = "a message needs \"to\": an id, a list of ids, or \"*\"";
    return out;
  }
  out.id = from->get<std::string>();
  if (!read_destination(*to, out)) return out;
  out.kind = JsonMessage::Kind::Route;
  return out;
}

std::string json_reply(std::string_view type, std::string_view field, std::string_view value) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();  // "type" first, for people reading
  j["type"] = std::string(type);
  j[std::string(field)] = std::string(value);
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace superd::core
