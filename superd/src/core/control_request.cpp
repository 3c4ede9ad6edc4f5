// SPDX-License-Identifier: MIT
#include "core/control_request.hpp"

#include <cstdio>
#include <vector>

#include "conf/ini_source.hpp"
#include "conf/schema.hpp"

namespace superd::core {

namespace {

struct CommandSpec {
  ControlCommand command;
  const char* name;
  const char* usage;  ///< Its arguments, for errors.
  std::size_t min_args, max_args;
};

constexpr CommandSpec kCommands[] = {
    {ControlCommand::Status, "status", "status", 0, 0},
    {ControlCommand::Connections, "connections", "connections [SERVICE]", 0, 1},
    {ControlCommand::Sources, "sources", "sources [SERVICE]", 0, 1},
    {ControlCommand::Reload, "reload", "reload", 0, 0},
    {ControlCommand::Check, "check", "check", 0, 0},
    {ControlCommand::Pause, "pause", "pause SERVICE", 1, 1},
    {ControlCommand::Resume, "resume", "resume SERVICE", 1, 1},
    {ControlCommand::Drain, "drain", "drain SERVICE [TIMEOUT]", 1, 2},
    {ControlCommand::Signal, "signal", "signal SERVICE SIGNAL", 2, 2},
};

const CommandSpec* find_command(std::string_view name) {
  for (const CommandSpec& c : kCommands)
    if (name == c.name) return &c;
  return nullptr;
}

// The first byte that is neither printable ASCII nor a blank, described.
bool printable(std::string_view line, std::string& error) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    auto b = static_cast<unsigned char>(line[i]);
    if (b == '\t' || (b >= 0x20 && b < 0x7f)) continue;
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", b);
    error = std::string("byte ") + hex + " at column " + std::to_string(i + 1) +
            " is not printable ASCII";
    return false;
  }
  return true;
}

std::vector<std::string_view> split_blanks(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

bool unknown_command(std::string_view word, std::string& error) {
  std::vector<std::string> names;
  for (const CommandSpec& c : kCommands) names.emplace_back(c.name);
  std::string guess = conf::closest(word, names);
  error = "unknown command '" + std::string(word) + "'" +
          (guess.empty() ? " (commands: status, connections, sources, reload, check, pause, "
                           "resume, drain, signal)"
                         : " (did you mean '" + guess + "'?)");
  return false;
}

bool parse_arguments(const CommandSpec& spec, const std::vector<std::string_view>& args,
                     ControlRequest& out, std::string& error) {
  if (args.size() < spec.min_args || args.size() > spec.max_args) {
    error = std::string(args.size() < spec.min_args ? "too few" : "too many") +
            " arguments: usage: " + spec.usage;
    return false;
  }
  if (!args.empty()) {
    if (!conf::valid_service_name(args[0])) {
      error = "'" + std::string(args[0]) +
              "' is not a service name (letters, digits, '_' and '-', at most 64)";
      return false;
    }
    out.service = std::string(args[0]);
  }
  if (spec.command == ControlCommand::Drain && args.size() == 2) {
    conf::Seconds s;
    std::string why;
    if (!conf::parse_value(args[1], s, why) || !(s.value > 0) || s.value > kMaxDrainTimeout) {
      error = "drain: timeout '" + std::string(args[1]) +
              "' is not a duration above 0 and up to 30 days (e.g. 30, 1.5, 30s, 5m, 2h)";
      return false;
    }
    out.timeout = s.value;
  }
  if (spec.command == ControlCommand::Signal && !conf::signal_by_name(args[1], out.signal)) {
    error = "signal: '" + std::string(args[1]) + "' is not a signal name (e.g. SIGTERM, HUP, USR2)";
    return false;
  }
  return true;
}

}  // namespace

RequestReader::State RequestReader::feed(std::string_view bytes) {
  if (state_ != State::More) return state_;
  auto lf = bytes.find('\n');
  std::string_view part = bytes.substr(0, lf);
  if (line_.size() + part.size() > kMaxRequest) {
    line_.clear();
    return state_ = State::TooLong;
  }
  line_.append(part);
  if (lf == std::string_view::npos) return state_;
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  return state_ = State::Line;
}

const char* command_name(ControlCommand c) {
  for (const CommandSpec& spec : kCommands)
    if (spec.command == c) return spec.name;
  return "unknown";
}

std::string ControlRequest::text() const {
  std::string out = json ? "--json " : "";
  out += command_name(command);
  if (!service.empty()) out += " " + service;
  if (command == ControlCommand::Drain && timeout > 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " %.17g", timeout);
    out += buf;
  }
  if (command == ControlCommand::Signal) out += " " + signal.name;
  return out;
}

bool parse_control_request(std::string_view line, ControlRequest& out, std::string& error) {
  out = ControlRequest{};
  if (!printable(line, error)) return false;
  std::vector<std::string_view> words, args;
  for (std::string_view w : split_blanks(line)) {
    if (w == "--json") {
      out.json = true;
    } else if (w.size() > 1 && w[0] == '-' && words.empty()) {
      error = "unknown option '" + std::string(w) + "' (only --json)";
      return false;
    } else {
      words.push_back(w);
    }
  }
  if (words.empty()) {
    error = "empty request: expected a command (status, connections, sources, reload, check, "
            "pause, resume, drain, signal)";
    return false;
  }
  const CommandSpec* spec = find_command(words[0]);
  if (!spec) return unknown_command(words[0], error);
  out.command = spec->command;
  args.assign(words.begin() + 1, words.end());
  return parse_arguments(*spec, args, out, error);
}

}  // namespace superd::core
