// SPDX-License-Identifier: MIT
// builtin = hub with the line protocol and no handler: a chat. What a
// client sees (its id, others' start and end, their lines), direct sends,
// 100 clients broadcasting with each sender's order kept and nothing lost,
// max_message, and a client that stops reading: disconnected, or its
// messages dropped and counted, while the others carry on and superd's
// memory stays bounded.
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <atomic>
#include <map>
#include <memory>
#include <thread>

#include "hub_client.hpp"
#include "running.hpp"

using namespace superd::test;

namespace {

std::string chat_conf(const std::string& extra = "") {
  return "[chat]\nport = 127.0.0.1:@P0@\nbuiltin = hub\ntimeout = 0\n" + extra;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hub)

BOOST_AUTO_TEST_CASE(chat_ids_events_broadcast_and_direct_sends) {
  Running r(chat_conf());
  HubClient a(r.ports[0]);
  BOOST_TEST(a.line() == "welcome 1");
  HubClient b(r.ports[0]);
  BOOST_TEST(b.line() == "welcome 2");
  BOOST_TEST(a.line() == "2 client_start");
  a.send("hello all\r\n");
  BOOST_TEST(b.line() == "1 hello all");
  b.send("@1 just you\n");
  BOOST_TEST(a.line() == "2 just you");
  HubClient c(r.ports[0]);
  BOOST_TEST(c.line() == "welcome 3");
  BOOST_TEST(a.line() == "3 client_start");
  BOOST_TEST(b.line() == "3 client_start");
  a.send("@2 psst\n");
  BOOST_TEST(b.line() == "1 psst");
  a.send("@9 nobody\n@x bad id\n");
  BOOST_TEST(a.line() == "error no client 9");
  BOOST_TEST(a.line() == "error no client x");
  ::shutdown(c.fd, SHUT_RDWR);
  BOOST_TEST(a.line() == "3 client_end");
  BOOST_TEST(b.line() == "3 client_end");
  // The sender does not get its own line back; c's line was the last.
  a.send("\n\nlast\n");
  BOOST_TEST(b.line() == "1 last");
  bool ok = true;
  BOOST_TEST(a.line(0.3, &ok) == "");
  BOOST_TEST(!ok);
  BOOST_TEST(r.superd->wait_log("end service=chat peer=127.0.0.1:"), r.superd->log());
}

BOOST_AUTO_TEST_CASE(hundred_clients_broadcast_in_order_and_lose_nothing) {
  constexpr int kClients = 100, kMessages = 20;
  Running r(chat_conf());
  std::vector<std::unique_ptr<HubClient>> owned;
  std::vector<HubClient*> clients;
  std::vector<int> id(kClients);
  for (int i = 0; i < kClients; ++i) {
    owned.push_back(std::make_unique<HubClient>(r.ports[0]));
    clients.push_back(owned.back().get());
    std::string w = clients.back()->line();
    BOOST_REQUIRE_MESSAGE(w.rfind("welcome ", 0) == 0, "client " << i << ": " << w);
    id[static_cast<std::size_t>(i)] = std::stoi(w.substr(8));
  }
  for (int i = 0; i < kClients; ++i) {
    std::string all;
    for (int m = 0; m < kMessages; ++m) all += "msg " + std::to_string(m) + "\n";
    BOOST_REQUIRE(clients[static_cast<std::size_t>(i)]->send(all));
  }
  // next[receiver][sender]: the message number expected next.
  std::vector<std::map<int, int>> next(kClients);
  long received = 0, wrong = 0;
  const long want = static_cast<long>(kClients) * (kClients - 1) * kMessages;
  bool done = read_all(clients, [&](std::size_t i, const std::string& l) {
    if (l.find(" client_") != std::string::npos) return;
    std::size_t sp = l.find(' ');
    int from = std::stoi(l.substr(0, sp));
    int n = std::stoi(l.substr(sp + 5));
    int& expect = next[i][from];
    if (n != expect || from == id[i]) ++wrong;
    expect = n + 1;
    ++received;
  }, [&] { return received >= want; }, 60);
  BOOST_TEST(done);
  BOOST_TEST(received == want);
  BOOST_TEST(wrong == 0);
  for (int i = 0; i < kClients; ++i) BOOST_TEST(next[static_cast<std::size_t>(i)].size() == std::size_t{kClients - 1});
  BOOST_TEST(!contains(r.superd->log(), "not reading"), r.superd->log());
}

BOOST_AUTO_TEST_CASE(a_line_over_max_message_closes_only_its_sender) {
  Running r(chat_conf("max_message = 1000\n"));
  HubClient a(r.ports[0]), b(r.ports[0]);
  BOOST_TEST(a.line() == "welcome 1");
  BOOST_TEST(b.line() == "welcome 2");
  BOOST_TEST(a.line() == "2 client_start");
  a.send(std::string(1000, 'x') + "\n");  // exactly the limit passes
  BOOST_TEST(b.expect("1 " + std::string(1000, 'x')));
  a.send(std::string(1001, 'y') + "\n");
  BOOST_TEST(a.line() == "error message longer than 1000 bytes; closing");
  BOOST_TEST(a.closed());
  BOOST_TEST(b.line() == "1 client_end");
  BOOST_TEST(r.superd->wait_log("service chat: peer 127.0.0.1:"), r.superd->log());
  BOOST_TEST(contains(r.superd->log(), " (id 1) sent a message longer than max_message (1000 bytes); closing it"),
             r.superd->log());
  // An endless line without a newline costs its sender the connection too.
  HubClient c(r.ports[0]);
  BOOST_TEST(c.line() == "welcome 3");
  for (int i = 0; i < 100 && c.send(std::string(100, 'z')); ++i) {
  }
  BOOST_TEST(c.closed());
  b.send("still here\n");
  HubClient d(r.ports[0]);
  BOOST_TEST(d.line() == "welcome 4");
  b.send("and you\n");
  BOOST_TEST(d.expect("2 and you"));
}

BOOST_AUTO_TEST_CASE(a_client_vanishing_mid_message_costs_nothing_else) {
  Running r(chat_conf());
  HubClient a(r.ports[0]);
  BOOST_TEST(a.line() == "welcome 1");
  {
    HubClient gone(r.ports[0]);
    BOOST_TEST(gone.line() == "welcome 2");
    gone.send("half a li");
  }
  BOOST_TEST(a.expect("2 client_end"));
  HubClient b(r.ports[0]);
  BOOST_TEST(b.line() == "welcome 3");
  a.send("fine\n");
  BOOST_TEST(b.line() == "1 fine");
}

// One client writes 1 MB of short lines at once (each read of it makes
// more for the receiver than the high-water mark): superd holds the sender
// while the receiver catches up, so nobody is disconnected and every line arrives.
BOOST_AUTO_TEST_CASE(a_fast_sender_is_held_for_a_reading_receiver) {
  Running r(chat_conf());
  HubClient sender(r.ports[0]), receiver(r.ports[0]);
  BOOST_TEST(sender.line() == "welcome 1");
  BOOST_TEST(receiver.line() == "welcome 2");
  BOOST_TEST(sender.line() == "2 client_start");
  constexpr int kLines = 250000;
  std::string flood;
  for (int i = 0; i < kLines; ++i) flood += "ab\n";
  for (int i = 0; i < kLines / 10; ++i) flood += "@2 cd\n";
  std::thread writer([&] { sender.send(flood); });
  std::vector<HubClient*> readers{&receiver};
  int chat = 0, direct = 0, other = 0;
  read_all(readers, [&](std::size_t, const std::string& l) {
    if (l == "1 ab") ++chat;
    else if (l == "1 cd") ++direct;
    else ++other;
  }, [&] { return chat + direct + other >= kLines + kLines / 10; }, 60);
  writer.join();
  BOOST_TEST(chat == kLines);
  BOOST_TEST(direct == kLines / 10);
  BOOST_TEST(other == 0);
  BOOST_TEST(!contains(r.superd->log(), "is not reading"), r.superd->log());
  BOOST_TEST(!contains(r.superd->log(), "status=slow-reader"), r.superd->log());
}

// A client with a tiny receive buffer never reads while another sends
// 4 MB to everyone: it is disconnected with a log line naming it, and the
// third client gets every line.
BOOST_AUTO_TEST_CASE(a_stalled_reader_is_disconnected_and_the_others_carry_on) {
  Running r(chat_conf());
  HubClient stalled(r.ports[0], 4096), sender(r.ports[0]), reader(r.ports[0]);
  BOOST_TEST(stalled.line() == "welcome 1");
  BOOST_TEST(sender.line() == "welcome 2");
  BOOST_TEST(reader.line() == "welcome 3");
  constexpr int kLines = 4000;
  std::string chunk;
  for (int i = 0; i < kLines; ++i) chunk += std::to_string(i) + " " + std::string(1000, 'p') + "\n";
  std::vector<HubClient*> readers{&reader};
  int got = 0, wrong = 0;
  bool stalled_left = false;
  pump(sender, chunk, readers, [&](std::size_t, const std::string& l) {
    stalled_left |= l == "1 client_end";
    if (l.rfind("2 ", 0) != 0) return;
    if (std::stoi(l.substr(2)) != got) ++wrong;
    ++got;
  }, [&] { return got >= kLines; }, 30);
  BOOST_TEST(got == kLines);
  BOOST_TEST(wrong == 0);
  BOOST_TEST(r.superd->wait_log(" (id 1) is not reading: "), r.superd->log());
  BOOST_TEST(contains(r.superd->log(), "; disconnecting it (slow_reader = disconnect)"), r.superd->log());
  BOOST_TEST(r.superd->wait_log("status=slow-reader"), r.superd->log());
  BOOST_TEST((stalled_left || reader.expect("1 client_end")));
}

// A client that takes a byte now and then still holds senders: it is judged
// from when they began to wait on it, not from its last byte, so it is
// disconnected and the others get every line.
BOOST_AUTO_TEST_CASE(a_reader_that_drips_does_not_hold_the_hub) {
  Running r(chat_conf());
  HubClient drip(r.ports[0], 4096), sender(r.ports[0]), reader(r.ports[0]);
  BOOST_TEST(drip.line() == "welcome 1");
  BOOST_TEST(sender.line() == "welcome 2");
  BOOST_TEST(reader.line() == "welcome 3");
  std::atomic<bool> done{false};
  std::thread dripping([&] {
    char byte;
    for (int i = 0; i < 300 && !done; ++i) {  // at most 30 s
      if (::recv(drip.fd, &byte, 1, MSG_DONTWAIT) == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  constexpr int kLines = 4000;
  std::string chunk;
  for (int i = 0; i < kLines; ++i) chunk += std::to_string(i) + " " + std::string(1000, 'd') + "\n";
  std::vector<HubClient*> readers{&reader};
  int got = 0;
  pump(sender, chunk, readers, [&](std::size_t, const std::string& l) {
    if (l.rfind("2 ", 0) == 0) ++got;
  }, [&] { return got >= kLines; }, 30);
  done = true;
  dripping.join();
  BOOST_TEST(got == kLines);
  BOOST_TEST(r.superd->wait_log(" (id 1) is not reading: "), r.superd->log());
  BOOST_TEST(r.superd->wait_log("status=slow-reader"), r.superd->log());
}

// A sender that leaves while held no longer waits on its receiver, which
// is then judged by nobody: it stays connected however slowly it reads.
BOOST_AUTO_TEST_CASE(a_held_sender_that_leaves_stops_waiting_on_its_receiver) {
  Running r(chat_conf());
  HubClient slow(r.ports[0], 4096), watcher(r.ports[0]);
  BOOST_TEST(slow.line() == "welcome 1");
  BOOST_TEST(watcher.line() == "welcome 2");
  {
    HubClient sender(r.ports[0]);
    BOOST_TEST(sender.line() == "welcome 3");
    // Enough to fill the slow client's buffers and hold the sender for a moment.
    std::string burst;
    for (int i = 0; i < 300; ++i) burst += "@1 " + std::string(1000, 'h') + "\n";
    sender.send(burst);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }  // the sender leaves while held
  BOOST_TEST(watcher.expect("3 client_end"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // past the one-second rule
  BOOST_TEST(!contains(r.superd->log(), "is not reading"), r.superd->log());
  // The slow client now reads everything it was sent, then the hub still talks to it.
  watcher.send("still here\n");
  BOOST_TEST(slow.expect("2 still here", 15), r.superd->log());
}

// With slow_reader = drop the stalled client stays; what could not be
// queued for it is counted in its end line; superd's memory does not grow
// with what passes while it stalls.
BOOST_AUTO_TEST_CASE(a_stalled_reader_loses_messages_with_drop_and_memory_stays_bounded) {
  Running r(chat_conf("slow_reader = drop\n"));
  HubClient stalled(r.ports[0], 4096), sender(r.ports[0]), reader(r.ports[0]);
  BOOST_TEST(stalled.line() == "welcome 1");
  BOOST_TEST(sender.line() == "welcome 2");
  BOOST_TEST(reader.line() == "welcome 3");
  std::string chunk;
  for (int i = 0; i < 1000; ++i) chunk += std::string(1000, 'q') + "\n";
  std::vector<HubClient*> readers{&reader};
  long rss_after_first = 0;
  int got = 0;
  for (int round = 0; round < 20; ++round) {  // 20 MB in all
    pump(sender, chunk, readers, [&](std::size_t, const std::string& l) { got += l.rfind("2 ", 0) == 0; },
         [&] { return got >= (round + 1) * 1000; }, 30);
    if (round == 1) rss_after_first = r.superd->rss_kib();
  }
  BOOST_TEST(got == 20000);
  long rss_end = r.superd->rss_kib();
  BOOST_TEST(rss_end < rss_after_first + 4096, "RSS grew from " << rss_after_first << " to " << rss_end << " KiB");
  BOOST_TEST(contains(r.superd->log(), " (id 1) is not reading: "), r.superd->log());
  BOOST_TEST(contains(r.superd->log(), "dropping messages for it (slow_reader = drop)"), r.superd->log());
  BOOST_TEST(!contains(r.superd->log(), "status=slow-reader"), r.superd->log());
  ::close(stalled.fd);
  stalled.fd = -1;
  BOOST_TEST(r.superd->wait_log(" dropped="), r.superd->log());
}

// A reload that leaves the hub's keys alone keeps the hub: clients from
// before and after talk to each other; one that changes them starts a new
// hub for new clients while the old ones stay on theirs.
BOOST_AUTO_TEST_CASE(a_reload_keeps_the_hub_and_its_clients) {
  Running r(chat_conf(), 2);
  HubClient a(r.ports[0]);
  BOOST_TEST(a.line() == "welcome 1");
  r.rewrite(chat_conf() + "[echo]\nport = 127.0.0.1:@P1@\nbuiltin = echo\n");
  BOOST_REQUIRE(r.superd->reload());
  HubClient b(r.ports[0]);
  BOOST_TEST(b.line() == "welcome 2");
  BOOST_TEST(a.line() == "2 client_start");
  b.send("after the reload\n");
  BOOST_TEST(a.line() == "2 after the reload");
  r.rewrite(chat_conf("max_message = 100\n"));
  BOOST_REQUIRE(r.superd->reload());
  HubClient c(r.ports[0]);
  BOOST_TEST(c.line() == "welcome 3");  // a new hub; ids are never reused
  a.send("old hub\n");
  BOOST_TEST(b.line() == "1 old hub");
  bool ok = true;
  BOOST_TEST(c.line(0.3, &ok) == "");
  BOOST_TEST(!ok);
}

BOOST_AUTO_TEST_CASE(limits_apply_as_to_other_services) {
  Running r(chat_conf("max_per_source = 2\n"));
  HubClient a(r.ports[0]), b(r.ports[0]), c(r.ports[0]);
  BOOST_TEST(a.line() == "welcome 1");
  BOOST_TEST(b.line() == "welcome 2");
  BOOST_TEST(c.closed());
  BOOST_TEST(r.superd->wait_log("reason=max_per_source"), r.superd->log());
}

BOOST_AUTO_TEST_CASE(hub_keys_are_checked) {
  TempDir dir;
  std::string conf = dir.write("superd.conf",
                               "[e]\nport = 127.0.0.1:1\nbuiltin = echo\nhub_handler = /bin/cat\n"
                               "[j]\nport = 127.0.0.1:2\nbuiltin = hub\nhub_protocol = json\nhub_handler = /bin/cat\n"
                               + user_line() +
                               "[m]\nport = 127.0.0.1:3\nbuiltin = hub\nmax_message = 0\n"
                               "[p]\nport = 127.0.0.1:4\nbuiltin = hub\nhub_protocol = xml\n"
                               "[s]\nport = 127.0.0.1:5\nbuiltin = hub\nslow_reader = wait\n");
  RunResult check = run({SUPERD_BINARY, "--check", "-c", conf});
  BOOST_TEST(check.status == 1);
  BOOST_TEST(contains(check.err, "service 'e': 'hub_handler' applies only to builtin = hub"), check.err);
  BOOST_TEST(contains(check.err, "service 'j': 'hub_handler' works with hub_protocol = line only"), check.err);
  BOOST_TEST(contains(check.err, "service 'm': max_message 0 is out of range"), check.err);
  BOOST_TEST(contains(check.err, "'xml' is not a hub protocol (expected line or json)"), check.err);
  BOOST_TEST(contains(check.err, "'wait' is not a slow-reader policy (expected disconnect or drop)"), check.err);
}

BOOST_AUTO_TEST_CASE(the_shipped_example_checks) {
  RunResult check = run({SUPERD_BINARY, "--check", "-c", SUPERD_SOURCE_DIR "/etc/superd.d/hub.conf.example"});
  if (::geteuid() != 0) {  // only root may run the handler as nobody
    BOOST_TEST(contains(check.err, "cannot switch to user 'nobody'"), check.err);
    return;
  }
  BOOST_TEST(check.status == 0, check.err);
  BOOST_TEST(contains(check.err, "program '/usr/local/lib/superd/rooms-handler' cannot be run now"), check.err);
}

BOOST_AUTO_TEST_SUITE_END()
