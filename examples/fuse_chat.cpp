// SPDX-License-Identifier: MIT
// Embeds superd and programs a message hub the way FUSE::Server's synopsis
// does, in C++ and on the public API only (superd-api(3)): clients send
// lines "MESSAGE params"; callbacks are registered per message name, a
// default callback takes the rest, and the server sends to one client or
// to all. "client_start" and "client_end" arrive as messages too.
//
//   superd_fuse_example                   # listens on 127.0.0.1:10200
//   nc 127.0.0.1 10200                    # "SECRET_KEY 123 456 789"
//   BROADCAST NEWS/hello everyone         # everyone: "NEWS hello everyone"
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "superd/server.hpp"

namespace {

/// A FUSE::Server-like dispatcher over a superd ServiceHost.
class FuseServer : public superd::ServiceHandler {
 public:
  using Callback = std::function<void(superd::ConnectionId user, const std::string& msg, const std::string& params)>;
  static constexpr std::size_t kMaxLine = 64 * 1024;

  explicit FuseServer(superd::ServiceHost& host) : host_(host) {}
  /// Calls `fn` for each message named `msg` (FUSE::Server's addCallback).
  void add_callback(const std::string& msg, Callback fn) { callbacks_[msg] = std::move(fn); }
  /// Calls `fn` for messages without a callback of their own (defaultCallback).
  void default_callback(Callback fn) { default_ = std::move(fn); }
  /// Sends "MESSAGE params" to one client (send).
  void send(superd::ConnectionId user, const std::string& msg, const std::string& params) {
    host_.send(user, msg + " " + params + "\n");
  }
  /// Sends "MESSAGE params" to every client (sendAll).
  void send_all(const std::string& msg, const std::string& params) { host_.broadcast(msg + " " + params + "\n"); }

  void on_open(superd::ConnectionId id) override { dispatch(id, "client_start", ""); }
  void on_close(superd::ConnectionId id) override {
    partial_.erase(id);
    dispatch(id, "client_end", "");
  }
  void on_data(superd::ConnectionId id, std::string_view bytes) override {
    std::string& buf = partial_[id];
    buf.append(bytes);
    std::size_t start = 0;
    for (std::size_t nl; (nl = buf.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string line = buf.substr(start, nl - start);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      std::size_t sp = line.find(' ');
      dispatch(id, line.substr(0, sp), sp == std::string::npos ? "" : line.substr(sp + 1));
    }
    buf.erase(0, start);
    if (buf.size() > kMaxLine) {  // a line that never ends costs its sender the connection
      host_.log(1, "client " + std::to_string(id) + " sent a line over 64 KiB; closing it");
      buf.clear();
      host_.close(id);
    }
  }

 private:
  void dispatch(superd::ConnectionId id, const std::string& msg, const std::string& params) {
    auto it = callbacks_.find(msg);
    if (it != callbacks_.end()) return it->second(id, msg, params);
    if (default_) default_(id, msg, params);
  }
  superd::ServiceHost& host_;
  std::map<std::string, Callback> callbacks_;
  Callback default_;
  std::map<superd::ConnectionId, std::string> partial_;
};

}  // namespace

int main(int argc, char** argv) {
  superd::Server server;
  superd::Builtin fuse;
  fuse.name = "fuse";
  fuse.doc = "FUSE::Server's synopsis: BROADCAST, SECRET_KEY on connect, unknown commands logged.";
  fuse.make_service = [](superd::ServiceHost& host) {
    auto s = std::make_unique<FuseServer>(host);
    FuseServer* self = s.get();
    s->add_callback("BROADCAST", [self](superd::ConnectionId, const std::string&, const std::string& params) {
      std::size_t slash = params.find('/');
      self->send_all(params.substr(0, slash), slash == std::string::npos ? "" : params.substr(slash + 1));
    });
    s->add_callback("client_start", [self](superd::ConnectionId user, const std::string&, const std::string&) {
      self->send(user, "SECRET_KEY", "123 456 789");
    });
    // Not in FUSE::Server: a timer. "LATER text" comes back after a second.
    s->add_callback("LATER", [self, &host](superd::ConnectionId user, const std::string&, const std::string& params) {
      host.after(1.0, [self, user, params] { self->send(user, "LATER", params); });
    });
    s->default_callback([&host](superd::ConnectionId user, const std::string& msg, const std::string&) {
      if (msg != "client_end") host.log(2, "Unknown command " + msg + " from client " + std::to_string(user));
    });
    return s;
  };
  server.add_builtin(std::move(fuse));
  return server.run(argc, argv, {"fuse.port=127.0.0.1:10200", "fuse.builtin=fuse", "fuse.timeout=0"});
}
