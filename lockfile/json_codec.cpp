#include "lockfile/json_codec.hpp"

#include "lockfile/value_budget.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

namespace envlock::lockfile {

using nlohmann::json;

namespace {

// TOML and the canonical JSON both need valid UTF-8; a path with a latin-1 byte
// must not make a lock unreadable, so bad sequences become U+FFFD.
std::string valid_utf8(std::string_view s) {
  // Nearly every string is ASCII: one pass to find out, one copy.
  std::size_t ascii = 0;
  while (ascii < s.size() && static_cast<unsigned char>(s[ascii]) < 0x80) ++ascii;
  if (ascii == s.size()) return std::string(s);
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool good = len != 0 && i + len <= s.size();
    std::uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
    for (std::size_t k = 1; good && k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      good = (cc >> 6) == 2;
      cp = cp << 6 | (cc & 0x3f);
    }
    if (good) {
      static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      good = cp >= kMin[len] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
    }
    if (good) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

template <class J>
J strings(const std::vector<std::string>& v) {
  J a = J::array();
  for (const auto& s : v) a.push_back(valid_utf8(s));
  return a;
}

template <class J>
J string_map(const std::map<std::string, std::string>& m) {
  J o = J::object();
  for (const auto& [k, v] : m) o[valid_utf8(k)] = valid_utf8(v);
  return o;
}

// TOML integers are signed 64-bit; a count never gets near the limit.
std::int64_t clamp_count(std::uint64_t n) {
  return static_cast<std::int64_t>(
      std::min<std::uint64_t>(n, std::numeric_limits<std::int64_t>::max()));
}

// Extra fields (marked extra in docs/lockfile.md) are written only when set, so a
// plain lock stays short; readers default them.

template <class J>
void put_if(J& o, const char* key, const std::string& v) {
  if (!v.empty()) o[key] = valid_utf8(v);
}
template <class J>
void put_if(J& o, const char* key, const std::vector<std::string>& v) {
  if (!v.empty()) o[key] = strings<J>(v);
}
template <class J>
void put_if(J& o, const char* key, std::int64_t v) {
  if (v != 0) o[key] = v;
}
template <class J>
void put_if(J& o, const char* key, bool v) {
  if (v) o[key] = true;
}

template <class J>
J build(const Fingerprint& in, bool with_envlock) {
  Fingerprint fp = in;
  canonicalize(fp);
  J doc = J::object();
  if (with_envlock) {
    J e = J::object();
    e["schema"] = fp.envlock.schema;
    put_if(e, "generator", fp.envlock.generator);
    put_if(e, "created", fp.envlock.created);
    put_if(e, "digest", fp.envlock.digest);
    put_if(e, "target", fp.envlock.target);
    put_if(e, "signature", fp.envlock.signature);
    doc["envlock"] = std::move(e);
  }
  if (fp.python) {
    const Python& p = *fp.python;
    J o = J::object();
    o["implementation"] = valid_utf8(p.implementation);
    o["version"] = valid_utf8(p.version);
    o["abi"] = valid_utf8(p.abi);
    o["platform"] = valid_utf8(p.platform);
    o["prefix"] = valid_utf8(p.prefix);
    o["site-dirs"] = strings<J>(p.site_dirs);
    put_if(o, "executable", p.executable);
    put_if(o, "pythonpath", p.pythonpath);  // absent when empty: older locks keep their digest
    doc["python"] = std::move(o);
  }
  if (!fp.packages.empty()) {
    J arr = J::array();
    for (const Package& p : fp.packages) {
      J o = J::object();
      o["name"] = valid_utf8(p.name);
      o["version"] = valid_utf8(p.version);
      o["installer"] = valid_utf8(p.installer);
      o["location"] = valid_utf8(p.location);
      o["metadata"] = valid_utf8(p.metadata);
      o["requires"] = strings<J>(p.requires_dist);
      J files = J::object();
      // TOML integers are signed 64-bit; a count never gets near the limit.
      files["count"] = static_cast<std::int64_t>(
          std::min<std::uint64_t>(p.files.count, std::numeric_limits<std::int64_t>::max()));
      files["digest"] = valid_utf8(p.files.digest);
      put_if(files, "listed", p.files.listed);
      o["files"] = std::move(files);
      put_if(o, "raw-name", p.raw_name);
      put_if(o, "requires-python", p.requires_python);
      put_if(o, "format", p.format);
      put_if(o, "requested", p.requested);
      put_if(o, "wheel-tags", p.wheel_tags);
      put_if(o, "direct-url", p.direct_url);
      put_if(o, "direct-kind", p.direct_kind);
      put_if(o, "direct-hash", p.direct_hash);
      put_if(o, "shadowed", p.shadowed);
      put_if(o, "channel", p.channel);
      put_if(o, "build", p.build);
      put_if(o, "conda-name", p.conda_name);
      // Written even when 0: "looked, found none" differs from "did not look".
      if (p.bytecode_pinned) o["bytecode-pinned"] = clamp_count(*p.bytecode_pinned);
      if (p.editable) {
        J editable = J::object();
        editable["count"] = clamp_count(p.editable->count);
        editable["digest"] = valid_utf8(p.editable->digest);
        o["editable"] = std::move(editable);
      }
      arr.push_back(std::move(o));
    }
    doc["packages"] = std::move(arr);
  }
  if (!fp.native.empty()) {
    J arr = J::array();
    for (const Native& n : fp.native) {
      J o = J::object();
      o["path"] = valid_utf8(n.path);
      o["owner"] = valid_utf8(n.owner);
      o["soname"] = valid_utf8(n.soname);
      o["sha256"] = valid_utf8(n.sha256);
      o["needed"] = strings<J>(n.needed);
      o["resolved"] = string_map<J>(n.resolved);
      o["glibc-max"] = valid_utf8(n.glibc_max);
      put_if(o, "version-needs", n.version_needs);
      arr.push_back(std::move(o));
    }
    doc["native"] = std::move(arr);
  }
  if (fp.os) {
    const Os& s = *fp.os;
    J o = J::object();
    o["arch"] = valid_utf8(s.arch);
    o["kernel"] = valid_utf8(s.kernel);
    o["id"] = valid_utf8(s.id);
    o["version-id"] = valid_utf8(s.version_id);
    o["glibc"] = valid_utf8(s.glibc);
    put_if(o, "libstdcxx", s.libstdcxx);
    put_if(o, "glibcxx-max", s.glibcxx_max);
    doc["os"] = std::move(o);
  }
  if (fp.hardware) {
    const Cpu& c = fp.hardware->cpu;
    J cpu = J::object();
    cpu["vendor"] = valid_utf8(c.vendor);
    cpu["model"] = valid_utf8(c.model);
    cpu["flags"] = strings<J>(c.flags);
    cpu["cores"] = c.cores;
    put_if(cpu, "sockets", c.sockets);
    put_if(cpu, "family", c.family);
    put_if(cpu, "model-id", c.model_id);
    put_if(cpu, "stepping", c.stepping);
    put_if(cpu, "memory-bytes", c.memory_bytes);
    J gpus = J::array();
    for (const Gpu& g : fp.hardware->gpus) {
      J o = J::object();
      o["vendor"] = valid_utf8(g.vendor);
      o["model"] = valid_utf8(g.model);
      o["driver"] = valid_utf8(g.driver);
      o["compute-capability"] = valid_utf8(g.compute_capability);
      o["memory-bytes"] = g.memory_bytes;
      put_if(o, "pci-id", g.pci_id);
      put_if(o, "bus", g.bus);
      gpus.push_back(std::move(o));
    }
    J hw = J::object();
    hw["cpu"] = std::move(cpu);
    hw["gpus"] = std::move(gpus);  // kept when empty: "no GPU" is a recorded fact
    doc["hardware"] = std::move(hw);
  }
  if (!fp.env.empty()) doc["env"] = string_map<J>(fp.env);
  if (!fp.cuda.empty()) doc["cuda"] = string_map<J>(fp.cuda);
  if (fp.image) {
    const Image& im = *fp.image;
    J o = J::object();
    o["reference"] = valid_utf8(im.reference);
    o["manifest-digest"] = valid_utf8(im.manifest_digest);
    o["config-digest"] = valid_utf8(im.config_digest);
    o["tags"] = strings<J>(im.tags);
    o["platform"] = valid_utf8(im.platform);
    o["layers"] = strings<J>(im.layers);
    doc["image"] = std::move(o);
  }
  if (!fp.site_entries.empty()) {
    J arr = J::array();
    for (const SiteEntry& e : fp.site_entries) {
      J o = J::object();
      o["location"] = valid_utf8(e.location);
      o["name"] = valid_utf8(e.name);
      o["kind"] = valid_utf8(e.kind);
      o["owner"] = valid_utf8(e.owner);
      put_if(o, "startup", e.startup);
      put_if(o, "digest", e.digest);
      arr.push_back(std::move(o));
    }
    doc["site-entries"] = std::move(arr);
  }
  if (fp.scan) {
    J o = J::object();
    o["mode"] = valid_utf8(fp.scan->mode);
    doc["scan"] = std::move(o);
  }
  if (!fp.integrity.empty()) {
    J arr = J::array();
    for (const FileProblem& f : fp.integrity) {
      J o = J::object();
      o["path"] = valid_utf8(f.path);
      o["package"] = valid_utf8(f.package);
      o["location"] = valid_utf8(f.location);
      o["problem"] = valid_utf8(f.problem);
      o["expected"] = valid_utf8(f.expected);
      o["actual"] = valid_utf8(f.actual);
      put_if(o, "detail", f.detail);
      arr.push_back(std::move(o));
    }
    doc["integrity"] = std::move(arr);
  }
  if (!fp.bytecode.empty()) {
    J arr = J::array();
    for (const Bytecode& b : fp.bytecode) {
      J o = J::object();
      o["path"] = valid_utf8(b.path);
      o["package"] = valid_utf8(b.package);
      o["location"] = valid_utf8(b.location);
      o["sha256"] = valid_utf8(b.sha256);
      arr.push_back(std::move(o));
    }
    doc["bytecode"] = std::move(arr);
  }
  if (!fp.diagnostics.empty()) {
    J arr = J::array();
    for (const Diagnostic& d : fp.diagnostics) {
      J o = J::object();
      o["subject"] = valid_utf8(d.subject);
      o["message"] = valid_utf8(d.message);
      arr.push_back(std::move(o));
    }
    doc["diagnostics"] = std::move(arr);
  }
  return doc;
}

}  // namespace

json to_json(const Fingerprint& fp) { return build<json>(fp, true); }

nlohmann::ordered_json to_ordered_json(const Fingerprint& fp, bool with_envlock) {
  return build<nlohmann::ordered_json>(fp, with_envlock);
}

namespace {

struct JsonScan {
  std::optional<std::size_t> too_deep_line;  ///< where nesting passed kMaxDocumentDepth
  std::optional<std::size_t> found_line;     ///< line of the value at the wanted path
};

// nlohmann reports no positions for values, and dumping a tree recurses, so one
// light pass over the text checks the depth before parsing and, on an error,
// finds the line of a path. Bounds-checked; tolerant of invalid JSON.
JsonScan scan_json(std::string_view text, const std::string* wanted) {
  struct Frame {
    bool object = false;
    std::string path;
    std::size_t index = 0;
    std::string key;
    bool expect_key = true;
  };
  std::vector<Frame> stack;
  JsonScan out;
  std::size_t line = 1;
  auto here = [&]() -> std::string {
    if (stack.empty()) return "";
    const Frame& f = stack.back();
    if (!f.object) return f.path + "[" + std::to_string(f.index) + "]";
    return f.path.empty() ? path_key(f.key) : f.path + "." + path_key(f.key);
  };
  auto value_starts = [&]() -> bool {
    if (wanted && !out.found_line && here() == *wanted) out.found_line = line;
    return wanted && out.found_line;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      ++line;
    } else if (c == '"') {
      std::size_t start = i;
      bool escaped = false;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') {
          escaped = true;
          ++i;
        } else if (text[i] == '\n') {
          ++line;
        }
      }
      if (!stack.empty() && stack.back().object && stack.back().expect_key) {
        if (wanted) {
          std::string_view token = text.substr(start, std::min(i + 1, text.size()) - start);
          std::string key(token.substr(1, token.size() >= 2 ? token.size() - 2 : 0));
          if (escaped) {
            try {
              key = json::parse(token).get<std::string>();
            } catch (const std::exception&) {
            }
          }
          stack.back().key = std::move(key);
        }
        stack.back().expect_key = false;
      } else if (value_starts()) {
        return out;
      }
    } else if (c == '{' || c == '[') {
      if (value_starts()) return out;
      if (stack.size() >= static_cast<std::size_t>(kMaxDocumentDepth)) {
        out.too_deep_line = line;
        return out;
      }
      Frame frame;
      frame.object = c == '{';
      if (wanted) frame.path = here();
      stack.push_back(std::move(frame));
    } else if (c == '}' || c == ']') {
      if (!stack.empty()) stack.pop_back();
    } else if (c == ',') {
      if (!stack.empty() && stack.back().object) stack.back().expect_key = true;
      if (!stack.empty() && !stack.back().object) ++stack.back().index;
    } else if (c != ':' && c != ' ' && c != '\t' && c != '\r') {
      if (value_starts()) return out;
      while (i + 1 < text.size() && std::string_view(",]}\n \t\r\"").find(text[i + 1]) ==
                                        std::string_view::npos) {
        ++i;
      }
    }
  }
  return out;
}

// nlohmann's what() reads "[json.exception.parse_error.101] parse error at line
// 3, column 5: syntax error while parsing ..."; keep the part after the position.
std::string json_syntax_error(std::string_view source, const json::parse_error& e,
                              std::string_view text) {
  std::size_t line = 1, col = 1;
  std::size_t end = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  std::string what = e.what();
  auto pos = what.find("column ");
  if (pos != std::string::npos) pos = what.find(": ", pos);
  std::string detail = pos == std::string::npos ? what : what.substr(pos + 2);
  return std::string(source) + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " +
         detail;
}

}  // namespace

Result<json> parse_json_document(std::string_view text, std::string_view source,
                                 SourceMap* where) {
  if (text.size() > kMaxDocumentBytes) {
    return fail(std::string(source) + ": too large (" + std::to_string(text.size()) +
                " bytes; the limit is 64 MiB)");
  }
  JsonScan scan = scan_json(text, nullptr);
  if (scan.too_deep_line) {
    return fail(std::string(source) + ":" + std::to_string(*scan.too_deep_line) +
                ": nested deeper than " + std::to_string(kMaxDocumentDepth) + " levels");
  }
  const std::size_t budget = value_budget(text.size());
  if (auto line = count_json_values(text, budget).over_budget_line) {
    return fail(std::string(source) + ":" + std::to_string(*line) + ": more than " +
                std::to_string(budget) + " values in " + std::to_string(text.size()) +
                " bytes; a lock holds at most one value per " + std::to_string(kBytesPerValue) +
                " bytes (or " + std::to_string(kMinValueBudget) + " in all)");
  }
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    return fail(json_syntax_error(source, e, text));
  } catch (const std::exception& e) {
    return fail(std::string(source) + ": " + e.what());
  }
  if (where) {
    where->toml = false;
    where->find_line = [text](const std::string& path) { return scan_json(text, &path).found_line; };
  }
  return doc;
}



}  // namespace envlock::lockfile
