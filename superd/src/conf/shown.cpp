// SPDX-License-Identifier: MIT
#include "conf/shown.hpp"

#include <algorithm>

#include "conf/schema.hpp"

namespace superd::conf {

namespace {

constexpr std::uint16_t kNoKey = 0xffff;

std::uint16_t key_index(std::string_view name) {
  const KeySpec* k = find_key(name);
  return k ? static_cast<std::uint16_t>(k - keys().data()) : kNoKey;
}

}  // namespace

std::string_view ShownTable::text(std::uint32_t offset, std::uint32_t size) const {
  return std::string_view(texts_).substr(offset, size);
}

std::uint32_t ShownTable::store(std::string_view text) {
  auto offset = static_cast<std::uint32_t>(texts_.size());
  texts_.append(text);
  return offset;
}

void ShownTable::begin_section(std::string_view name) {
  Section s;
  s.name_size = static_cast<std::uint32_t>(name.size());
  s.name = store(name);
  s.first = static_cast<std::uint32_t>(entries_.size());
  auto index = static_cast<std::uint32_t>(sections_.size());
  sections_.push_back(s);
  auto at = std::lower_bound(by_name_.begin(), by_name_.end(), name, [this](std::uint32_t i, std::string_view n) {
    return text(sections_[i].name, sections_[i].name_size) < n;
  });
  by_name_.insert(at, index);
}

void ShownTable::add(std::string_view key, std::string_view value, const Origin& origin) {
  Entry e;
  e.key = key_index(key);
  if (e.key == kNoKey) return;  // load() adds checked keys only
  e.layer = static_cast<std::uint8_t>(origin.layer);
  e.line = origin.line;
  if (origin.layer == Layer::ConfFile) {
    // Values come in runs from one file: look at the last one first.
    auto it = !files_.empty() && files_.back() == origin.file
                  ? files_.end() - 1
                  : std::find(files_.begin(), files_.end(), origin.file);
    if (it == files_.end()) it = files_.insert(files_.end(), origin.file);
    e.file = static_cast<std::uint32_t>(it - files_.begin());
  }
  e.size = static_cast<std::uint32_t>(value.size());
  e.text = store(value);
  entries_.push_back(e);
  ++sections_.back().count;
}

void ShownTable::shrink() {
  texts_.shrink_to_fit();
  entries_.shrink_to_fit();
  sections_.shrink_to_fit();
  by_name_.shrink_to_fit();
  files_.shrink_to_fit();
}

const ShownTable::Section* ShownTable::section(std::string_view name) const {
  auto at = std::lower_bound(by_name_.begin(), by_name_.end(), name, [this](std::uint32_t i, std::string_view n) {
    return text(sections_[i].name, sections_[i].name_size) < n;
  });
  if (at == by_name_.end()) return nullptr;
  const Section& s = sections_[*at];
  return text(s.name, s.name_size) == name ? &s : nullptr;
}

Origin ShownTable::origin(const Entry& e) const {
  Origin o;
  o.layer = static_cast<Layer>(e.layer);
  o.line = e.line;
  if (o.layer == Layer::ConfFile) o.file = files_[e.file];
  return o;
}

bool ShownTable::collect(const Section& s, std::uint16_t key, ShownValue& out) const {
  for (std::uint32_t i = s.first; i < s.first + s.count; ++i) {
    const Entry& e = entries_[i];
    if (e.key != key) continue;
    out.texts.emplace_back(text(e.text, e.size));
    out.origins.push_back(origin(e));
  }
  if (out.texts.empty()) return false;
  out.origin = out.origins.front();
  return true;
}

std::optional<ShownValue> ShownTable::find(std::string_view section_name, std::string_view key) const {
  std::uint16_t k = key_index(key);
  if (k == kNoKey) return std::nullopt;
  const Section* s = section(section_name);
  if (!s) return std::nullopt;
  ShownValue v;
  if (collect(*s, k, v)) return v;
  if (section_name.empty() || conf::keys()[k].scope != Scope::Both) return std::nullopt;
  const Section* global = section("");
  if (!global || !collect(*global, k, v)) return std::nullopt;
  v.inherited = true;
  return v;
}

bool ShownTable::has_own(std::string_view section_name, std::string_view key) const {
  const Section* s = section(section_name);
  std::uint16_t k = key_index(key);
  if (!s || k == kNoKey) return false;
  for (std::uint32_t i = s->first; i < s->first + s->count; ++i)
    if (entries_[i].key == k) return true;
  return false;
}

std::vector<std::string_view> ShownTable::keys(std::string_view section_name) const {
  std::vector<std::string_view> out;
  auto add_from = [&](const Section* s, bool inherited) {
    if (!s) return;
    for (std::uint32_t i = s->first; i < s->first + s->count; ++i) {
      const KeySpec& k = conf::keys()[entries_[i].key];
      if (inherited && k.scope != Scope::Both) continue;
      out.emplace_back(k.name);
    }
  };
  const Section* own = section(section_name);
  if (!own) return out;
  add_from(own, false);
  if (!section_name.empty()) add_from(section(""), true);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<Origin> ShownTable::own_origins(std::string_view section_name) const {
  std::vector<Origin> out;
  if (const Section* s = section(section_name))
    for (std::uint32_t i = s->first; i < s->first + s->count; ++i) out.push_back(origin(entries_[i]));
  return out;
}

bool ShownTable::has_section(std::string_view section_name) const { return section(section_name) != nullptr; }

}  // namespace superd::conf
