// SPDX-License-Identifier: MIT
// The hub's routing. Every line a client sends is cut by its LineReader
// (max_message bounds it); what happens to it depends on the mode:
//   chat     "text" -> "ID text" to every other client; "@ID text" to ID
//   handler  "text" -> "ID text" to the program, whose commands route it
//   json     a registration, or a message routed unchanged by its "to"
#include "core/hub.hpp"

#include <unordered_map>

#include "core/hub_program.hpp"
#include "core/hub_protocol.hpp"
#include "core/service_runtime.hpp"

namespace superd::core {

namespace {

constexpr int kComplaintsPerRun = 10;  // bad handler commands logged per run of the program

class Hub : public ServiceHandler {
 public:
  Hub(Context& ctx, ServiceRuntime& rt);
  ~Hub() override;
  void on_open(ConnectionId id) override;
  void on_data(ConnectionId id, std::string_view bytes) override;
  void on_close(ConnectionId id) override;

 private:
  struct Client {
    explicit Client(std::size_t max) : reader(max) {}
    LineReader reader;
    std::string json_id;  ///< Registered id (JSON); empty before registration.
  };
  bool json() const { return cfg_.hub_protocol == conf::HubProtocol::Json; }
  std::string who(ConnectionId id) const {
    return "peer " + rt_.peer(id) + " (id " + std::to_string(id) + ")";
  }
  void on_line(ConnectionId id, Client& c, std::string_view line);
  void chat_line(ConnectionId id, std::string_view line);
  void json_line(ConnectionId id, Client& c, std::string_view line);
  void json_route(ConnectionId id, const Client& c, const JsonMessage& m, std::string_view line);
  void on_command(std::string_view line);
  void program_started();
  /// Sends "ID text\n" to `to` (0: every client but `from`).
  void relay(ConnectionId from, ConnectionId to, std::string_view text);

  Context& ctx_;
  ServiceRuntime& rt_;
  const conf::ServiceConfig& cfg_;
  std::unordered_map<ConnectionId, Client> clients_;
  std::unordered_map<std::string, ConnectionId> ids_;  ///< JSON: registered id -> connection.
  std::shared_ptr<HubProgram> program_;
  int complaints_ = 0;
  std::string line_;  ///< Scratch for outgoing lines.
};

Hub::Hub(Context& ctx, ServiceRuntime& rt) : ctx_(ctx), rt_(rt), cfg_(rt.config()) {
  if (cfg_.hub_handler.words.empty()) return;
  program_ = std::make_shared<HubProgram>(
      ctx_, rt_, [this](std::string_view line) { on_command(line); }, [this] { program_started(); },
      [this] { rt_.release_held(); });
  program_->start();
  rt_.on_stop([program = program_] { program->stop(); });
}

Hub::~Hub() {
  if (program_) program_->stop();
}

void Hub::relay(ConnectionId from, ConnectionId to, std::string_view text) {
  line_ = std::to_string(from);
  line_ += ' ';
  line_ += text;
  line_ += '\n';
  if (to) rt_.send(to, line_);
  else rt_.broadcast(line_, from);
}

void Hub::on_open(ConnectionId id) {
  clients_.emplace(id, Client(static_cast<std::size_t>(cfg_.max_message.value)));
  if (json()) return;
  if (program_) {
    line_ = std::to_string(id) + " client_start " + rt_.peer(id) + "\n";
    program_->send(line_);
    return;
  }
  rt_.send(id, "welcome " + std::to_string(id) + "\n");
  relay(id, 0, "client_start");
}

void Hub::on_close(ConnectionId id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  if (!it->second.json_id.empty()) ids_.erase(it->second.json_id);
  clients_.erase(it);
  if (json()) return;
  if (program_) {
    line_ = std::to_string(id) + " client_end\n";
    program_->send(line_);
    return;
  }
  relay(id, 0, "client_end");
}

void Hub::on_data(ConnectionId id, std::string_view bytes) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  Client& c = it->second;
  if (c.reader.spent()) return;  // closing: too long a line came before
  bool ok = c.reader.feed(bytes, [&](std::string_view line) {
    on_line(id, c, line);
    return true;
  });
  if (ok) return;
  std::string limit = std::to_string(cfg_.max_message.value);
  rt_.log(log::kNotice, who(id) + " sent a message longer than max_message (" + limit + " bytes); closing it");
  rt_.send(id, json() ? json_reply("error", "error", "message longer than " + limit + " bytes; closing")
                      : "error message longer than " + limit + " bytes; closing\n");
  rt_.close(id);
}

void Hub::on_line(ConnectionId id, Client& c, std::string_view line) {
  if (line.empty()) return;
  if (json()) return json_line(id, c, line);
  if (!program_) return chat_line(id, line);
  line_ = std::to_string(id);
  line_ += ' ';
  line_ += line;
  line_ += '\n';
  program_->send(line_);
  if (program_->full()) rt_.hold_reader();  // read this client again once the program catches up
}

void Hub::chat_line(ConnectionId id, std::string_view line) {
  if (line[0] != '@') return relay(id, 0, line);
  std::size_t space = line.find(' ');
  std::string_view to = line.substr(1, space == std::string_view::npos ? std::string_view::npos : space - 1);
  std::string_view text = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  ConnectionId target = 0;
  if (!parse_client_id(to, target) || !clients_.count(target)) {
    rt_.send(id, "error no client " + std::string(to.substr(0, 32)) + "\n");
    return;
  }
  relay(id, target, text);
}

void Hub::json_line(ConnectionId id, Client& c, std::string_view line) {
  JsonMessage m = parse_json_message(line);
  switch (m.kind) {
    case JsonMessage::Kind::Invalid:
      rt_.log(log::kInfo, who(id) + ": " + m.error);
      rt_.send(id, json_reply("error", "error", m.error));
      return;
    case JsonMessage::Kind::Register: {
      if (!c.json_id.empty()) {
        rt_.send(id, json_reply("error", "error", "already registered as '" + c.json_id + "'"));
        return;
      }
      if (ids_.count(m.id)) {
        rt_.log(log::kInfo, who(id) + ": id '" + m.id + "' is taken; registration refused");
        rt_.send(id, json_reply("error", "error", "id '" + m.id + "' is already registered"));
        return;
      }
      ids_.emplace(m.id, id);
      c.json_id = m.id;
      rt_.send(id, json_reply("registered", "id", m.id));
      return;
    }
    case JsonMessage::Kind::Route: return json_route(id, c, m, line);
  }
}

void Hub::json_route(ConnectionId id, const Client& c, const JsonMessage& m, std::string_view line) {
  if (c.json_id.empty()) {
    rt_.send(id, json_reply("error", "error", "register first: {\"type\":\"register\",\"id\":ID}"));
    return;
  }
  if (m.id != c.json_id) {
    rt_.send(id, json_reply("error", "error", "\"from\" must be your id '" + c.json_id + "'"));
    return;
  }
  line_.assign(line);
  line_ += '\n';
  if (m.to_all) {
    for (const auto& [name, to] : ids_)
      if (to != id) rt_.send(to, line_);
    return;
  }
  std::string unknown;
  for (const std::string& d : m.to) {
    auto it = ids_.find(d);
    if (it == ids_.end()) unknown += (unknown.empty() ? "'" : ", '") + d + "'";
    else rt_.send(it->second, line_);
  }
  if (!unknown.empty()) rt_.send(id, json_reply("error", "error", "unknown destination " + unknown));
}

void Hub::on_command(std::string_view line) {
  HubCommand c = parse_command(line);
  switch (c.kind) {
    case HubCommand::Kind::Empty: return;
    case HubCommand::Kind::Bad:
      if (complaints_ < kComplaintsPerRun)
        rt_.log(log::kWarning, "hub_handler: " + c.error + (++complaints_ == kComplaintsPerRun
                                                               ? " (further bad commands of this run are not logged)"
                                                               : ""));
      return;
    case HubCommand::Kind::Send:
    case HubCommand::Kind::Except:
    case HubCommand::Kind::All:
      line_.assign(c.text);
      line_ += '\n';
      if (c.kind == HubCommand::Kind::Send) {
        if (!rt_.send(c.id, line_) && !rt_.alive(c.id))
          rt_.log(log::kInfo, "hub_handler: send to client " + std::to_string(c.id) + ", which is not connected");
      } else {
        rt_.broadcast(line_, c.kind == HubCommand::Kind::Except ? c.id : 0);
      }
      return;
    case HubCommand::Kind::Close: rt_.close(c.id); return;
  }
}

void Hub::program_started() {
  complaints_ = 0;
  // A restarted program learns who is connected.
  for (ConnectionId id : rt_.connections()) {
    line_ = std::to_string(id) + " client_start " + rt_.peer(id) + "\n";
    if (!program_->send(line_)) return;
  }
}

}  // namespace

std::unique_ptr<ServiceHandler> make_hub(Context& ctx, ServiceRuntime& rt) {
  return std::make_unique<Hub>(ctx, rt);
}

Builtin hub_builtin() {
  Builtin b;
  b.name = "hub";
  b.doc = "Message hub: clients send lines (or JSON objects) that superd routes to each other (see MESSAGE HUB).";
  b.make_service = [](ServiceHost&) -> std::unique_ptr<ServiceHandler> { return nullptr; };
  return b;
}

}  // namespace superd::core
