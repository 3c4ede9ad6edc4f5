// SPDX-License-Identifier: MIT
// ShownTable: the effective text and origin of every key set in a
// configuration, by section, as --print-config lists them, reload diffs
// compare them and located messages point at them. It stays with the running
// configuration, so it is kept compact: a 20-byte entry per value, every text
// in one buffer, each file name once, and a service's values inherited from
// the global section looked up there rather than copied into every service.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/setting.hpp"

namespace superd::conf {

/// A value as --print-config shows it.
struct ShownValue {
  std::vector<std::string> texts;
  Origin origin;                 ///< Where the first value came from.
  std::vector<Origin> origins;   ///< Where each of `texts` came from.
  bool inherited = false;  ///< A service value that came from the global section.
};

/// The values set in each section ("" is the global one). Keys are schema
/// keys; a key of both scopes set in the global section is inherited by
/// every service that does not set it.
class ShownTable {
 public:
  /// Starts the values of `section`, which must not have been started yet;
  /// add() appends to it until the next begin_section().
  void begin_section(std::string_view section);
  /// Appends one value of `key` (a schema key) to the section begun last;
  /// the values of a repeatable key are added in their order.
  void add(std::string_view key, std::string_view text, const Origin& origin);
  /// Gives back the spare room of the buffers once the table is complete.
  void shrink();

  /// The values of `key` in `section`, set there or inherited; nullopt when
  /// it has none (its default applies) or there is no such section.
  std::optional<ShownValue> find(std::string_view section, std::string_view key) const;
  /// True when `key` has a value in `section` itself (not inherited).
  bool has_own(std::string_view section, std::string_view key) const;
  /// The keys with a value in `section`, its own and inherited ones, each
  /// once, sorted by name.
  std::vector<std::string_view> keys(std::string_view section) const;
  /// Where `section`'s own values were set, in the order they were added.
  std::vector<Origin> own_origins(std::string_view section) const;
  /// True when `section` was begun.
  bool has_section(std::string_view section) const;

 private:
  /// One value: its text in texts_, its key's schema index, its origin.
  struct Entry {
    std::uint32_t text = 0, size = 0;
    std::uint32_t file = 0;  ///< Index in files_, for conf-file origins.
    std::int32_t line = 0;
    std::uint16_t key = 0;
    std::uint8_t layer = 0;
  };
  /// A section's name (in texts_) and its entries, [first, first + count).
  struct Section {
    std::uint32_t name = 0, name_size = 0;
    std::uint32_t first = 0, count = 0;
  };
  std::string_view text(std::uint32_t offset, std::uint32_t size) const;
  std::uint32_t store(std::string_view text);
  const Section* section(std::string_view name) const;
  Origin origin(const Entry& e) const;
  /// Appends the values of schema key `key` in `s` to `out`; false when none.
  bool collect(const Section& s, std::uint16_t key, ShownValue& out) const;

  std::string texts_;               ///< Every text and section name, one after another.
  std::vector<Entry> entries_;      ///< By section, in the order added.
  std::vector<Section> sections_;   ///< In the order begun.
  std::vector<std::uint32_t> by_name_;  ///< Indexes in sections_, sorted by name.
  std::vector<std::string> files_;  ///< Conf file names of the origins, each once.
};

}  // namespace superd::conf
