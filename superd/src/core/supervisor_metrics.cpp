// SPDX-License-Identifier: MIT
// Supervisor, part four: the exposition the metrics endpoint serves.
// Names follow Prometheus' conventions: superd_ for superd's own families,
// counters ending in _total, units in the name (_seconds, _bytes), one
// `service` label per service; the process_ families are the ones every
// Prometheus client library exports, so existing dashboards read them.
#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

#include "core/supervisor.hpp"

namespace superd::core {

namespace {

std::uint64_t open_fds() {
  std::uint64_t n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++n;
    ::closedir(d);
    if (n > 0) --n;  // the directory's own descriptor
  }
  return n;
}

std::uint64_t resident_bytes() {
  unsigned long size = 0, resident = 0;
  std::FILE* f = std::fopen("/proc/self/statm", "re");
  if (!f) return 0;
  if (std::fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
  std::fclose(f);
  return static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

}  // namespace

std::string Supervisor::metrics_text() const {
  MetricWriter w;
  using L = MetricWriter::Labels;
  const L none;

  w.family("process_open_fds", "gauge", "Number of open file descriptors.");
  w.sample("", none, open_fds());
  w.family("process_max_fds", "gauge", "Maximum number of open file descriptors.");
  w.sample("", none, static_cast<std::uint64_t>(ctx_.max_fd));
  w.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  w.sample("", none, resident_bytes());
  w.family("process_cpu_seconds", "counter", "Total user and system CPU time spent in seconds.");
  w.sample("_total", none, cpu_seconds());
  w.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
  w.sample("", none, start_time_);

  w.family("superd_build_info", "gauge", "superd's version, as a label; always 1.");
  w.sample("", L{{"version", SUPERD_VERSION}}, std::uint64_t{1});
  w.family("superd_reloads", "counter", "Configuration reloads, by result.");
  w.sample("_total", L{{"result", "success"}}, reloads_ok_);
  w.sample("_total", L{{"result", "failure"}}, reloads_failed_);
  w.family("superd_last_reload_successful", "gauge", "1 when the last reload (or the start) applied its configuration.");
  w.sample("", none, std::uint64_t{last_reload_ok_ ? 1u : 0u});
  w.family("superd_services", "gauge", "Enabled services.");
  w.sample("", none, static_cast<std::uint64_t>(services_.size()));
  w.family("superd_programs_running", "gauge", "Programs superd started that are still running.");
  w.sample("", none, static_cast<std::uint64_t>(children_.size()));

  // Families group their samples, so each walks every service. counters_
  // also holds services removed by a reload that still have connections.
  auto each = [&](auto&& fn) {
    for (const auto& [name, c] : counters_) fn(name, c->stats);
  };
  auto counter = [&](const char* family, const char* help, std::uint64_t ServiceStats::*field) {
    w.family(family, "counter", help);
    each([&](const std::string& name, const ServiceStats& s) {
      w.sample("_total", L{{"service", name}}, s.*field);
    });
  };
  w.family("superd_connections_active", "gauge", "Connections (or wait-mode programs) being served now.");
  each([&](const std::string& name, const ServiceStats& s) {
    w.sample("", L{{"service", name}}, static_cast<std::uint64_t>(s.active < 0 ? 0 : s.active));
  });
  counter("superd_connections_accepted", "Connections accepted, whether then served or refused.",
          &ServiceStats::accepted);
  counter("superd_connections_served", "Connections handed to a built-in or a program, datagrams answered.",
          &ServiceStats::served);
  w.family("superd_connections_refused", "counter", "Clients turned away, by reason.");
  each([&](const std::string& name, const ServiceStats& s) {
    for (std::size_t r = 0; r < kRefusals; ++r)
      w.sample("_total", L{{"service", name}, {"reason", refusal_name(static_cast<Refusal>(r))}},
               s.refused_by[r]);
  });
  counter("superd_programs_started", "Programs started.", &ServiceStats::started);
  counter("superd_program_failures", "Programs that could not be started (fork, identity or exec failed).",
          &ServiceStats::failed);
  w.family("superd_program_exits", "counter", "Programs that exited, by exit code.");
  each([&](const std::string& name, const ServiceStats& s) {
    for (const ExitCounts::Entry& e : s.exits.entries())
      if (!e.signaled)
        w.sample("_total", L{{"service", name}, {"code", std::to_string(e.number)}}, e.count);
  });
  w.family("superd_program_signals", "counter", "Programs killed by a signal, by signal.");
  each([&](const std::string& name, const ServiceStats& s) {
    for (const ExitCounts::Entry& e : s.exits.entries()) {
      if (!e.signaled) continue;
      const char* abbrev = sigabbrev_np(e.number);
      std::string sig = abbrev ? std::string("SIG") + abbrev : std::to_string(e.number);
      w.sample("_total", L{{"service", name}, {"signal", sig}}, e.count);
    }
  });
  counter("superd_received_bytes", "Bytes built-in services read from clients.", &ServiceStats::bytes_in);
  counter("superd_sent_bytes", "Bytes built-in services wrote to clients.", &ServiceStats::bytes_out);
  counter("superd_dropped_datagrams", "Datagrams for UDP sessions dropped: the program did not read them.",
          &ServiceStats::dropped);
  w.family("superd_connection_duration_seconds", "histogram",
           "How long connections (and wait-mode programs) lasted.");
  each([&](const std::string& name, const ServiceStats& s) {
    const DurationHistogram& h = s.durations;
    for (std::size_t i = 0; i <= DurationHistogram::kBounds.size(); ++i) {
      char le[32];
      if (i < DurationHistogram::kBounds.size())
        std::snprintf(le, sizeof le, "%g", DurationHistogram::kBounds[i]);
      else
        std::snprintf(le, sizeof le, "+Inf");
      w.sample("_bucket", L{{"service", name}, {"le", le}}, h.cumulative(i));
    }
    w.sample("_sum", L{{"service", name}}, h.sum());
    w.sample("_count", L{{"service", name}}, h.count());
  });
  return w.take();
}

}  // namespace superd::core
