#include "lockfile/decoder.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

namespace envlock::lockfile {

using nlohmann::json;

std::string path_key(std::string_view key) {
  bool bare = !key.empty();
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    bare = bare && ok;
  }
  if (bare) return std::string(key);
  return json(std::string(key)).dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// Reads the tree into the model, checking each value; remembers the first
// problem with the path of the value and, when known, its line.
class Decoder {
 public:
  Decoder(std::string_view source, const SourceMap* where) : source_(source), where_(where) {}

  bool ok() const { return !error_; }
  Error error() const { return Error{ErrorKind::kInvalid, *error_}; }

  /// Records a problem with the value at `path`; the line is the one of
  /// `line_path` (the parent table when the value itself is missing).
  void fail_at(const std::string& line_path, const std::string& path, const std::string& what) {
    if (error_) return;
    std::string msg(source_);
    if (where_) {
      std::optional<std::size_t> line;
      auto it = where_->lines.find(line_path);
      if (it != where_->lines.end()) {
        line = it->second;
      } else if (where_->find_line) {
        line = where_->find_line(line_path);
      }
      if (line) msg += ":" + std::to_string(*line);
    }
    error_ = msg + ": " + path + ": " + what;
  }

  std::string type_of(const json& v, const std::string& path) const {
    if (where_ && where_->datetimes.count(path)) return "datetime";
    switch (v.type()) {
      case json::value_t::string: return "string";
      case json::value_t::number_integer:
      case json::value_t::number_unsigned: return "integer";
      case json::value_t::number_float: return "float";
      case json::value_t::boolean: return "boolean";
      case json::value_t::array: return "array";
      case json::value_t::object: return table_word();
      case json::value_t::null: return "null";
      default: return "value";
    }
  }
  const char* table_word() const { return where_ && where_->toml ? "table" : "object"; }
  std::string a_table() const { return where_ && where_->toml ? "a table" : "an object"; }

  void wrong_type(const std::string& path, const json& v, const std::string& expected) {
    fail_at(path, path, "expected " + expected + ", got " + type_of(v, path));
  }

  /// Member `key` of `obj`, or null when absent (an error when `required`).
  const json* member(const json& obj, const std::string& path, std::string_view key,
                     bool required = false) {
    auto it = obj.find(std::string(key));
    if (it != obj.end()) return &*it;
    if (required) fail_at(path, join(path, key), "missing required key");
    return nullptr;
  }

  bool is_string(const json& v, const std::string& path) const {
    return v.is_string() && !(where_ && where_->datetimes.count(path));
  }

  void get(const json& obj, const std::string& path, std::string_view key, std::string& out,
           bool required = false) {
    const json* v = member(obj, path, key, required);
    if (!v) return;
    std::string p = join(path, key);
    if (!is_string(*v, p)) return wrong_type(p, *v, "a string");
    out = v->get<std::string>();
  }

  void get(const json& obj, const std::string& path, std::string_view key,
           std::vector<std::string>& out) {
    const json* v = member(obj, path, key);
    if (!v) return;
    std::string p = join(path, key);
    if (!v->is_array()) return wrong_type(p, *v, "an array of strings");
    out.clear();
    for (std::size_t i = 0; i < v->size(); ++i) {
      std::string ip = p + "[" + std::to_string(i) + "]";
      if (!is_string((*v)[i], ip)) return wrong_type(ip, (*v)[i], "a string");
      out.push_back((*v)[i].get<std::string>());
    }
  }

  void get(const json& obj, const std::string& path, std::string_view key,
           std::map<std::string, std::string>& out) {
    const json* v = table(obj, path, key);
    if (!v) return;
    std::string p = join(path, key);
    out.clear();
    for (const auto& [k, item] : v->items()) {
      std::string ip = join(p, k);
      if (!is_string(item, ip)) return wrong_type(ip, item, "a string");
      out[k] = item.get<std::string>();
    }
  }

  void get(const json& obj, const std::string& path, std::string_view key, std::int64_t& out,
           bool required = false) {
    const json* v = member(obj, path, key, required);
    if (!v) return;
    std::string p = join(path, key);
    if (v->is_number_unsigned()) {
      if (v->get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max())) {
        return fail_at(p, p, "integer " + v->dump() + " is out of range");
      }
      out = static_cast<std::int64_t>(v->get<std::uint64_t>());
    } else if (v->is_number_integer()) {
      out = v->get<std::int64_t>();
    } else {
      wrong_type(p, *v, "an integer");
    }
  }

  void get(const json& obj, const std::string& path, std::string_view key, std::uint64_t& out) {
    const json* v = member(obj, path, key);
    if (!v) return;
    std::string p = join(path, key);
    if (v->is_number_unsigned()) {
      out = v->get<std::uint64_t>();
    } else if (v->is_number_integer()) {
      std::int64_t n = v->get<std::int64_t>();
      if (n < 0) return fail_at(p, p, "expected a non-negative integer, got " + std::to_string(n));
      out = static_cast<std::uint64_t>(n);
    } else {
      wrong_type(p, *v, "a non-negative integer");
    }
  }

  void get(const json& obj, const std::string& path, std::string_view key, bool& out) {
    const json* v = member(obj, path, key);
    if (!v) return;
    std::string p = join(path, key);
    if (!v->is_boolean()) return wrong_type(p, *v, "a boolean");
    out = v->get<bool>();
  }

  /// A sub-table, or null when absent or of the wrong type (then an error).
  const json* table(const json& obj, const std::string& path, std::string_view key) {
    const json* v = member(obj, path, key);
    if (!v) return nullptr;
    if (!v->is_object()) {
      wrong_type(join(path, key), *v, a_table());
      return nullptr;
    }
    return v;
  }

  /// An array of tables; calls `each(element, element_path)` for each element.
  template <class F>
  void tables(const json& obj, const std::string& path, std::string_view key, F each) {
    const json* v = member(obj, path, key);
    if (!v) return;
    std::string p = join(path, key);
    if (!v->is_array()) return wrong_type(p, *v, std::string("an array of ") + table_word() + "s");
    for (std::size_t i = 0; i < v->size() && ok(); ++i) {
      std::string ip = p + "[" + std::to_string(i) + "]";
      if (!(*v)[i].is_object()) return wrong_type(ip, (*v)[i], a_table());
      each((*v)[i], ip);
    }
  }

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? path_key(key) : path + "." + path_key(key);
  }

 private:
  std::string_view source_;
  const SourceMap* where_;
  std::optional<std::string> error_;
};

bool is_sha256_digest(const std::string& s) {
  if (s.size() != 7 + 64 || s.compare(0, 7, "sha256:") != 0) return false;
  for (std::size_t i = 7; i < s.size(); ++i) {
    char c = s[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void decode_envlock(Decoder& d, const json& e, Meta& m) {
  const std::string p = "envlock";
  std::int64_t schema = 0;
  d.get(e, p, "schema", schema, true);
  if (!d.ok()) return;
  if (schema != kSchemaVersion) {
    d.fail_at("envlock.schema", "envlock.schema",
              "unsupported schema version " + std::to_string(schema) + " (this envlock reads " +
                  std::to_string(kSchemaVersion) + ")");
    return;
  }
  m.schema = static_cast<int>(schema);
  d.get(e, p, "generator", m.generator);
  // TOML writes `created` as a datetime: accept it (converted to text) or a string.
  if (const json* c = d.member(e, p, "created")) {
    if (!c->is_string()) return d.wrong_type("envlock.created", *c, "a datetime or string");
    m.created = c->get<std::string>();
  }
  d.get(e, p, "digest", m.digest);
  if (d.ok() && !m.digest.empty() && !is_sha256_digest(m.digest)) {
    std::string shown = m.digest.size() > 80 ? m.digest.substr(0, 80) + "..." : m.digest;
    d.fail_at("envlock.digest", "envlock.digest",
              "expected \"sha256:\" and 64 lower-case hex digits, got " +
                  json(shown).dump(-1, ' ', false, json::error_handler_t::replace));
  }
  d.get(e, p, "target", m.target);
  d.get(e, p, "signature", m.signature);
}

void decode_package(Decoder& d, const json& o, const std::string& p, Package& k) {
  d.get(o, p, "name", k.name, true);
  d.get(o, p, "version", k.version, true);
  d.get(o, p, "installer", k.installer);
  d.get(o, p, "location", k.location);
  d.get(o, p, "metadata", k.metadata);
  d.get(o, p, "requires", k.requires_dist);
  if (const json* f = d.table(o, p, "files")) {
    d.get(*f, p + ".files", "count", k.files.count);
    d.get(*f, p + ".files", "digest", k.files.digest);
    d.get(*f, p + ".files", "listed", k.files.listed);
  }
  d.get(o, p, "raw-name", k.raw_name);
  d.get(o, p, "requires-python", k.requires_python);
  d.get(o, p, "format", k.format);
  d.get(o, p, "requested", k.requested);
  d.get(o, p, "wheel-tags", k.wheel_tags);
  d.get(o, p, "direct-url", k.direct_url);
  d.get(o, p, "direct-kind", k.direct_kind);
  d.get(o, p, "direct-hash", k.direct_hash);
  d.get(o, p, "shadowed", k.shadowed);
  d.get(o, p, "channel", k.channel);
  d.get(o, p, "build", k.build);
  d.get(o, p, "conda-name", k.conda_name);
  if (d.member(o, p, "bytecode-pinned")) {
    d.get(o, p, "bytecode-pinned", k.bytecode_pinned.emplace());
  }
  if (const json* f = d.table(o, p, "editable")) {
    FileSummary& e = k.editable.emplace();
    d.get(*f, p + ".editable", "count", e.count);
    d.get(*f, p + ".editable", "digest", e.digest);
  }
}

void decode_native(Decoder& d, const json& o, const std::string& p, Native& n) {
  d.get(o, p, "path", n.path, true);
  d.get(o, p, "owner", n.owner);
  d.get(o, p, "soname", n.soname);
  d.get(o, p, "sha256", n.sha256);
  d.get(o, p, "needed", n.needed);
  d.get(o, p, "resolved", n.resolved);
  d.get(o, p, "glibc-max", n.glibc_max);
  d.get(o, p, "version-needs", n.version_needs);
}

void decode_hardware(Decoder& d, const json& o, Hardware& hw) {
  const std::string p = "hardware";
  if (const json* c = d.table(o, p, "cpu")) {
    const std::string cp = "hardware.cpu";
    Cpu& cpu = hw.cpu;
    d.get(*c, cp, "vendor", cpu.vendor);
    d.get(*c, cp, "model", cpu.model);
    d.get(*c, cp, "flags", cpu.flags);
    d.get(*c, cp, "cores", cpu.cores);
    d.get(*c, cp, "sockets", cpu.sockets);
    d.get(*c, cp, "family", cpu.family);
    d.get(*c, cp, "model-id", cpu.model_id);
    d.get(*c, cp, "stepping", cpu.stepping);
    d.get(*c, cp, "memory-bytes", cpu.memory_bytes);
  }
  d.tables(o, p, "gpus", [&](const json& g, const std::string& gp) {
    Gpu& gpu = hw.gpus.emplace_back();
    d.get(g, gp, "vendor", gpu.vendor);
    d.get(g, gp, "model", gpu.model);
    d.get(g, gp, "driver", gpu.driver);
    d.get(g, gp, "compute-capability", gpu.compute_capability);
    d.get(g, gp, "memory-bytes", gpu.memory_bytes);
    d.get(g, gp, "pci-id", gpu.pci_id);
    d.get(g, gp, "bus", gpu.bus);
  });
}

void decode_sections(Decoder& d, const json& doc, Fingerprint& fp) {
  if (const json* o = d.table(doc, "", "python")) {
    Python& py = fp.python.emplace();
    d.get(*o, "python", "implementation", py.implementation);
    d.get(*o, "python", "version", py.version);
    d.get(*o, "python", "abi", py.abi);
    d.get(*o, "python", "platform", py.platform);
    d.get(*o, "python", "prefix", py.prefix);
    d.get(*o, "python", "site-dirs", py.site_dirs);
    d.get(*o, "python", "executable", py.executable);
    d.get(*o, "python", "pythonpath", py.pythonpath);
  }
  d.tables(doc, "", "packages", [&](const json& o, const std::string& p) {
    decode_package(d, o, p, fp.packages.emplace_back());
  });
  d.tables(doc, "", "native", [&](const json& o, const std::string& p) {
    decode_native(d, o, p, fp.native.emplace_back());
  });
  if (const json* o = d.table(doc, "", "os")) {
    Os& os = fp.os.emplace();
    d.get(*o, "os", "arch", os.arch);
    d.get(*o, "os", "kernel", os.kernel);
    d.get(*o, "os", "id", os.id);
    d.get(*o, "os", "version-id", os.version_id);
    d.get(*o, "os", "glibc", os.glibc);
    d.get(*o, "os", "libstdcxx", os.libstdcxx);
    d.get(*o, "os", "glibcxx-max", os.glibcxx_max);
  }
  if (const json* o = d.table(doc, "", "hardware")) decode_hardware(d, *o, fp.hardware.emplace());
  d.get(doc, "", "env", fp.env);
  d.get(doc, "", "cuda", fp.cuda);
  if (const json* o = d.table(doc, "", "image")) {
    Image& im = fp.image.emplace();
    d.get(*o, "image", "reference", im.reference);
    d.get(*o, "image", "manifest-digest", im.manifest_digest);
    d.get(*o, "image", "config-digest", im.config_digest);
    d.get(*o, "image", "tags", im.tags);
    d.get(*o, "image", "platform", im.platform);
    d.get(*o, "image", "layers", im.layers);
  }
  d.tables(doc, "", "site-entries", [&](const json& o, const std::string& p) {
    SiteEntry& e = fp.site_entries.emplace_back();
    d.get(o, p, "location", e.location);
    d.get(o, p, "name", e.name, true);
    d.get(o, p, "kind", e.kind);
    d.get(o, p, "owner", e.owner);
    d.get(o, p, "startup", e.startup);
    d.get(o, p, "digest", e.digest);
  });
  if (const json* o = d.table(doc, "", "scan")) {
    Scan& s = fp.scan.emplace();
    d.get(*o, "scan", "mode", s.mode);
  }
  d.tables(doc, "", "integrity", [&](const json& o, const std::string& p) {
    FileProblem& f = fp.integrity.emplace_back();
    d.get(o, p, "path", f.path, true);
    d.get(o, p, "package", f.package);
    d.get(o, p, "location", f.location);
    d.get(o, p, "problem", f.problem);
    d.get(o, p, "expected", f.expected);
    d.get(o, p, "actual", f.actual);
    d.get(o, p, "detail", f.detail);
  });
  d.tables(doc, "", "bytecode", [&](const json& o, const std::string& p) {
    Bytecode& b = fp.bytecode.emplace_back();
    d.get(o, p, "path", b.path, true);
    d.get(o, p, "package", b.package);
    d.get(o, p, "location", b.location);
    d.get(o, p, "sha256", b.sha256);
  });
  d.tables(doc, "", "diagnostics", [&](const json& o, const std::string& p) {
    Diagnostic& g = fp.diagnostics.emplace_back();
    d.get(o, p, "subject", g.subject);
    d.get(o, p, "message", g.message);
  });
}

}  // namespace

Result<Fingerprint> decode_document(const json& doc, std::string_view source,
                                    const SourceMap* where) {
  bool toml = where && where->toml;
  if (!doc.is_object()) {
    return fail(std::string(source) + ": expected a JSON object at the top level");
  }
  auto e = doc.find("envlock");
  if (e == doc.end()) {
    return fail(std::string(source) +
                (toml ? ": missing [envlock] table" : ": missing \"envlock\" object") +
                "; this is not an envlock lock or scan");
  }
  Decoder d(source, where);
  Fingerprint fp;
  if (!e->is_object()) {
    d.wrong_type("envlock", *e, d.a_table());
    return tl::unexpected(d.error());
  }
  decode_envlock(d, *e, fp.envlock);
  if (d.ok()) decode_sections(d, doc, fp);
  if (!d.ok()) return tl::unexpected(d.error());
  return fp;
}

}  // namespace envlock::lockfile
