// SPDX-License-Identifier: MIT
// The schema: every configuration key declared once, with its scope, whether
// it repeats, its default (as text, parsed like user input), one line of doc
// and the typed field it fills. Parsing, validation, --help, --print-config
// and the man page's KEYS section all come from this table.
#pragma once

#include <climits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "conf/config.hpp"
#include "conf/value.hpp"

namespace superd::conf {

/// Where a key may appear.
enum class Scope {
  Global,   ///< Only before the first section or in [global].
  Service,  ///< Only in a service section.
  Both,     ///< Either; a global value is the default for every service.
};

/// Writes parsed text into the field a key targets.
struct Target {
  /// Parses every text (one, or all values of a repeatable key) into `object`,
  /// a GlobalConfig or ServiceConfig as `service` says.
  bool (*apply)(void* object, const std::vector<std::string>& texts, int min, int max,
                std::string& error);
  const char* type;  ///< Type name for the docs.
  bool service;      ///< True: the field is a ServiceConfig member.
};

/// One configuration key.
struct KeySpec {
  const char* name;
  Scope scope;
  bool repeat;         ///< May be given many times; a higher layer replaces the whole list.
  const char* def;     ///< Default, as text; "" for unset.
  const char* doc;     ///< One line for --help and superd.conf(5).
  Target target;
  const char* pending = nullptr;  ///< Non-null: what superd does not yet act on.
  int min = INT_MIN;   ///< Range of integer keys.
  int max = INT_MAX;
};

namespace detail {
template <class> struct MemberPtr;
template <class C, class T> struct MemberPtr<T C::*> {
  using Class = C;
  using Type = T;
};
template <class T> struct IsVector : std::false_type {};
template <class U> struct IsVector<std::vector<U>> : std::true_type { using Elem = U; };

template <class T>
bool parse_one(const std::string& text, T& out, int min, int max, std::string& error) {
  if (!parse_value(text, out, error)) return false;
  if constexpr (std::is_same_v<T, int> || std::is_same_v<T, std::optional<int>>) {
    int v = 0;
    if constexpr (std::is_same_v<T, int>) v = out; else if (out) v = *out; else return true;
    if (v < min || v > max) {
      error = "'" + text + "' is out of range (" + std::to_string(min) + " to " +
              std::to_string(max) + ")";
      return false;
    }
  }
  return true;
}

template <auto M>
bool apply(void* object, const std::vector<std::string>& texts, int min, int max,
           std::string& error) {
  using P = MemberPtr<decltype(M)>;
  auto& field = static_cast<typename P::Class*>(object)->*M;
  using T = typename P::Type;
  if constexpr (IsVector<T>::value) {
    field.clear();
    for (const auto& t : texts) {
      typename IsVector<T>::Elem e{};
      if (!parse_one(t, e, min, max, error)) return false;
      field.push_back(std::move(e));
    }
    return true;
  } else {
    return texts.empty() || parse_one(texts.back(), field, min, max, error);
  }
}

template <class T> constexpr const char* type_name() {
  if constexpr (IsVector<T>::value) return kTypeName<typename IsVector<T>::Elem>;
  else return kTypeName<T>;
}
}  // namespace detail

/// The Target for a member pointer: `to<&ServiceConfig::max_instances>()`.
template <auto M> constexpr Target to() {
  using P = detail::MemberPtr<decltype(M)>;
  return Target{&detail::apply<M>, detail::type_name<typename P::Type>(),
                std::is_same_v<typename P::Class, ServiceConfig>};
}

/// Every key, in documentation order.
std::span<const KeySpec> keys();
/// The key named `name`, or nullptr.
const KeySpec* find_key(std::string_view name);
/// The closest key name within a small edit distance, or empty.
std::string suggest_key(std::string_view name);
/// The closest of `candidates` to `word` within a small edit distance, or empty.
std::string closest(std::string_view word, const std::vector<std::string>& candidates);
/// The default conf file path (SYSCONFDIR/superd.conf).
const char* default_conf_path();

}  // namespace superd::conf
