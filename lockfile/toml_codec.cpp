#include "lockfile/toml_codec.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include <toml++/toml.h>

#include "lockfile/json_codec.hpp"
#include "lockfile/value_budget.hpp"

namespace envlock::lockfile {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

// Arrays longer than this on one line are written one item per line.
constexpr std::size_t kMaxInlineWidth = 100;

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string toml_key(std::string_view k) {
  bool bare = !k.empty();
  for (char c : k) {
    bare = bare && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-');
  }
  return bare ? std::string(k) : quote(k);
}

std::string inline_value(const ordered_json& v, bool multiline_ok);

std::string inline_array(const ordered_json& v, bool multiline_ok) {
  std::string one = "[";
  std::vector<std::string> items;
  for (const auto& item : v) items.push_back(inline_value(item, false));
  for (std::size_t i = 0; i < items.size(); ++i) one += (i ? ", " : "") + items[i];
  one += "]";
  if (!multiline_ok || one.size() <= kMaxInlineWidth) return one;
  std::string many = "[\n";
  for (const auto& item : items) many += "  " + item + ",\n";
  return many + "]";
}

std::string inline_value(const ordered_json& v, bool multiline_ok) {
  switch (v.type()) {
    case ordered_json::value_t::string: return quote(v.get_ref<const std::string&>());
    case ordered_json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    case ordered_json::value_t::number_integer:
    case ordered_json::value_t::number_unsigned: return v.dump();
    case ordered_json::value_t::number_float: {
      double d = v.get<double>();
      if (std::isnan(d)) return "nan";
      if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
      std::string s = v.dump();
      return s;
    }
    case ordered_json::value_t::array: return inline_array(v, multiline_ok);
    case ordered_json::value_t::object: {
      if (v.empty()) return "{}";
      std::string out = "{ ";
      bool first = true;
      for (const auto& [k, item] : v.items()) {
        out += (first ? "" : ", ") + toml_key(k) + " = " + inline_value(item, false);
        first = false;
      }
      return out + " }";
    }
    default: return "\"\"";  // null: never produced by to_ordered_json
  }
}

bool is_table_array(const ordered_json& v) {
  if (!v.is_array() || v.empty()) return false;
  for (const auto& item : v) {
    if (!item.is_object()) return false;
  }
  return true;
}

// Top-level sections and their direct children ([hardware.cpu]) are written as
// [headers]; anything deeper (files, resolved) as inline tables, as docs/lockfile.md shows.
bool is_section(const ordered_json& v, int level) {
  return level < 2 && (v.is_object() || is_table_array(v));
}

void write_table(std::string& out, const ordered_json& t, const std::string& prefix, int level) {
  for (const auto& [k, v] : t.items()) {
    if (is_section(v, level)) continue;
    out += toml_key(k) + " = " + inline_value(v, true) + "\n";
  }
  for (const auto& [k, v] : t.items()) {
    if (!is_section(v, level)) continue;
    std::string name = prefix.empty() ? toml_key(k) : prefix + "." + toml_key(k);
    if (v.is_object()) {
      bool has_plain = v.empty();
      for (const auto& [ck, cv] : v.items()) has_plain = has_plain || !is_section(cv, level + 1);
      // A table holding only sub-tables needs no header of its own.
      if (has_plain) out += "\n[" + name + "]\n";
      write_table(out, v, name, level + 1);
    } else {
      for (const auto& element : v) {
        out += "\n[[" + name + "]]\n";
        write_table(out, element, name, 2);
      }
    }
  }
}

// `created` is written as a TOML datetime when toml++ reads it back to the very
// same text; anything else stays a string so the round trip is exact.
std::string created_value(const std::string& created) {
  try {
    toml::table t = toml::parse("x = " + created, std::string_view("created"));
    const toml::node* n = t.get("x");
    if (n && n->is_date_time()) {
      std::ostringstream os;
      os << *n->as_date_time();
      if (os.str() == created) return created;
    }
  } catch (const std::exception&) {
  }
  return quote(created);
}

}  // namespace

std::optional<std::size_t> too_many_key_parts(std::string_view text) {
  std::size_t line = 1;
  int dots = 0;
  std::size_t i = 0;
  auto skip_string = [&](char q) {
    bool multi = text.substr(i, 3) == std::string(3, q);
    i += multi ? 3 : 1;
    while (i < text.size()) {
      char c = text[i];
      if (c == '\\' && q == '"') {
        if (i + 1 < text.size() && text[i + 1] == '\n') ++line;  // line-ending backslash
        i += 2;
        continue;
      }
      if (c == '\n') {
        ++line;
        if (!multi) return;
      }
      if (c == q && (!multi || text.substr(i, 3) == std::string(3, q))) {
        i += multi ? 3 : 1;
        return;
      }
      ++i;
    }
  };
  while (i < text.size()) {
    char c = text[i];
    if (c == '"' || c == '\'') {
      skip_string(c);
      continue;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c == '.') {
      if (++dots >= kMaxKeyParts) return line;
    } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || c == ' ' || c == '\t')) {
      dots = 0;
      if (c == '\n') ++line;
    }
    ++i;
  }
  return std::nullopt;
}

namespace {

// toml++ tree -> document tree. Each toml++ node is freed as soon as it is
// converted (arrays from the back, tables entry by entry), so the two trees
// never both exist in full: the peak is about the larger of them, not the sum.
struct Converter {
  std::string_view source;
  SourceMap* where;
  std::optional<std::string> error;

  void convert(toml::node& node, json& out, const std::string& path, int depth) {
    if (error) return;
    std::size_t line = node.source().begin.line;
    if (depth > kMaxDocumentDepth) {
      error = std::string(source) + ":" + std::to_string(line) + ": nested deeper than " +
              std::to_string(kMaxDocumentDepth) + " levels";
      return;
    }
    auto child = [&](std::string_view key) {
      return path.empty() ? path_key(key) : path + "." + path_key(key);
    };
    switch (node.type()) {
      case toml::node_type::table: {
        out = json::object();
        toml::table& table = *node.as_table();
        for (auto it = table.begin(); it != table.end() && !error;) {
          std::string key(it->first.str());
          convert(it->second, out[key], child(key), depth + 1);
          it = table.erase(it);
        }
        break;
      }
      case toml::node_type::array: {
        toml::array& arr = *node.as_array();
        out = json::array();
        out.get_ref<json::array_t&>().resize(arr.size());
        for (std::size_t i = arr.size(); i-- > 0 && !error;) {
          convert(arr[i], out[i], path + "[" + std::to_string(i) + "]", depth + 1);
          arr.pop_back();
        }
        break;
      }
      case toml::node_type::string: out = std::move(node.as_string()->get()); break;
      case toml::node_type::integer: out = node.as_integer()->get(); break;
      case toml::node_type::floating_point: {
        double value = node.as_floating_point()->get();
        // JSON and so the canonical form have no nan or inf (nlohmann writes
        // them as null): two different documents would share one digest.
        if (!std::isfinite(value)) {
          error = std::string(source) + ":" + std::to_string(line) + ": " + path +
                  ": not a finite number (nan and inf are not allowed in a lock)";
          return;
        }
        out = value;
        break;
      }
      case toml::node_type::boolean: out = node.as_boolean()->get(); break;
      case toml::node_type::date:
      case toml::node_type::time:
      case toml::node_type::date_time: {
        std::ostringstream os;
        node.visit([&](const auto& v) {
          if constexpr (toml::is_date<decltype(v)> || toml::is_time<decltype(v)> ||
                        toml::is_date_time<decltype(v)>) {
            os << v;
          }
        });
        out = os.str();
        if (where) where->datetimes.insert(path);
        break;
      }
      default: out = nullptr; break;
    }
  }
};

// The line of the value at `path` in `node` (whose own path is `here`), with
// paths spelled as Converter spells them. No tree is built: only walked.
std::optional<std::size_t> line_in(const toml::node& node, const std::string& here,
                                   const std::string& path, int depth) {
  if (here == path) return node.source().begin.line;
  if (depth > kMaxDocumentDepth) return std::nullopt;
  // Only a prefix of the wanted path can lead to it.
  if (!here.empty() && path.compare(0, here.size(), here) != 0) return std::nullopt;
  if (const auto* table = node.as_table()) {
    for (auto&& [k, v] : *table) {
      std::string child = here.empty() ? path_key(k.str()) : here + "." + path_key(k.str());
      if (auto line = line_in(v, child, path, depth + 1)) return line;
    }
  } else if (const auto* arr = node.as_array()) {
    for (std::size_t i = 0; i < arr->size(); ++i) {
      if (auto line = line_in((*arr)[i], here + "[" + std::to_string(i) + "]", path, depth + 1)) {
        return line;
      }
    }
  }
  return std::nullopt;
}

// The line of the value at `path`, for an error message: parses `text` again
// and walks to it. Errors are rare; a line per value kept for every read would
// cost ~100 bytes a value.
std::optional<std::size_t> find_toml_line(std::string_view text, const std::string& path) {
  // A second tree next to the first would double the peak for a large lock;
  // there the message names the field without its line.
  constexpr std::size_t kMaxLineLookupBytes = std::size_t{16} << 20;
  if (text.size() > kMaxLineLookupBytes) return std::nullopt;
  try {
    toml::table table = toml::parse(text);
    return line_in(table, "", path, 0);
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace

std::string to_toml(const Fingerprint& fp) {
  const Meta& m = fp.envlock;
  std::string out = "[envlock]\nschema = " + std::to_string(m.schema) + "\n";
  auto line = [&](const char* key, const std::string& value) {
    if (!value.empty()) out += std::string(key) + " = " + quote(value) + "\n";
  };
  ordered_json body = to_ordered_json(fp, true);
  const ordered_json& e = body["envlock"];  // UTF-8 cleaned values
  auto field = [&](const char* key) { return e.contains(key) ? e[key].get<std::string>() : ""; };
  line("generator", field("generator"));
  if (!field("created").empty()) out += "created = " + created_value(field("created")) + "\n";
  line("digest", field("digest"));
  line("target", field("target"));
  line("signature", field("signature"));
  body.erase("envlock");
  std::string rest;
  write_table(rest, body, "", 0);
  return out + rest;
}

Result<json> parse_toml_document(std::string_view text, std::string_view source,
                                 SourceMap* where) {
  if (text.size() > kMaxDocumentBytes) {
    return fail(std::string(source) + ": too large (" + std::to_string(text.size()) +
                " bytes; the limit is 64 MiB)");
  }
  if (auto line = too_many_key_parts(text)) {
    return fail(std::string(source) + ":" + std::to_string(*line) + ": a key with more than " +
                std::to_string(kMaxKeyParts) + " dotted parts");
  }
  // Before toml++ builds anything: a tree costs far more than its text.
  const std::size_t budget = value_budget(text.size());
  if (auto line = count_toml_values(text, budget).over_budget_line) {
    return fail(std::string(source) + ":" + std::to_string(*line) + ": more than " +
                std::to_string(budget) + " values in " + std::to_string(text.size()) +
                " bytes; a lock holds at most one value per " + std::to_string(kBytesPerValue) +
                " bytes (or " + std::to_string(kMinValueBudget) + " in all)");
  }
  if (where) where->toml = true;
  try {
    toml::table table = toml::parse(text, source);
    Converter conv{source, where, std::nullopt};
    json doc;
    conv.convert(table, doc, "", 0);
    if (conv.error) return fail(*conv.error);
    if (where) where->find_line = [text](const std::string& path) { return find_toml_line(text, path); };
    return doc;
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return fail(std::string(source) + ":" + std::to_string(begin.line) + ":" +
                std::to_string(begin.column) + ": " + std::string(e.description()));
  } catch (const std::exception& e) {
    return fail(std::string(source) + ": " + e.what());
  }
}

}  // namespace envlock::lockfile
