// SPDX-License-Identifier: MIT
// Service, part four: the PROXY protocol. With proxy_protocol on, a
// connection from a listed balancer (proxy_from) is first read for its
// header; the client the header names then goes through access rules,
// max_per_source and the program's environment as if it had connected
// itself, and the log keeps the balancer's address as `via`.
#include <unistd.h>

#include "core/proxy_reader.hpp"
#include "core/service.hpp"

namespace superd::core {

namespace {
std::string ip_port_text(const net::IpAddress& a, std::uint16_t port) {
  return a.v6 ? "[" + a.str() + "]:" + std::to_string(port) : a.str() + ":" + std::to_string(port);
}
}  // namespace

void Service::read_proxy_header(int fd, const Peer& peer) {
  // Unix endpoints are guarded by their file's permissions; over IP only a
  // listed balancer may speak for someone else.
  if (peer.ip) {
    bool listed = false;
    for (const net::Cidr& c : cfg_.proxy_from) listed = listed || c.contains(peer.addr);
    if (!listed) return refuse(fd, peer, Refusal::Proxy, "not in proxy_from", false);
  } else if (!cfg_.peer_users.empty()) {
    // Who the Unix peer is decides, before it may name any address.
    std::string why = peer_users_refuse(fd, peer);
    if (!why.empty()) return refuse(fd, peer, Refusal::Access, why, false);
  }
  ++ctx_.pending;
  try {
    ProxyReader::start(ctx_.io, fd, cfg_.proxy_protocol, kProxyHeaderTimeout,
                       [self = shared_from_this(), peer](int fd, const net::ProxyHeader& h) {
                         --self->ctx_.pending;
                         self->on_proxy_header(fd, peer, h);
                       });
  } catch (const std::exception& e) {  // registering with epoll can fail under exhaustion
    --ctx_.pending;
    slog(log::kErr, "service " + cfg_.name + ": cannot read the PROXY header of " + peer.text + ": " + e.what());
    ::close(fd);
  }
}

void Service::on_proxy_header(int fd, Peer peer, const net::ProxyHeader& h) {
  if (h.status != net::ProxyHeader::Status::Done)
    return refuse(fd, peer, Refusal::Proxy, "PROXY " + h.error, false);
  if (ctx_.stopping) {
    ::close(fd);
    return;
  }
  if (h.has_addresses) {
    peer.via = std::move(peer.text);
    peer.text = ip_port_text(h.source, h.source_port);
    peer.ip = true;
    peer.addr = h.source;
    peer.port = h.source_port;
    peer.source = peer.addr.str();
    peer.has_local = true;
    peer.local_addr = h.destination;
    peer.local_port = h.destination_port;
    peer.has_cred = false;
  }
  admit_and_serve(fd, peer);
}

}  // namespace superd::core
