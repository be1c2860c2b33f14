#include "scanner/site_discovery.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "scanner/metadata_parser.hpp"

namespace envlock::scanner {

namespace {

constexpr std::uint64_t kSmallFile = 1ull << 20;
constexpr std::uint64_t kDpkgStatusLimit = 64ull << 20;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "python3.11" -> "3.11"; "" for anything else. At most three digits: a
// hostile "python3.99999999999" must not overflow the sort's stoi.
std::string minor_from_dirname(std::string_view name) {
  if (!name.starts_with("python3.")) return {};
  std::string_view rest = name.substr(6);
  std::string_view minor = rest.substr(2);
  if (minor.empty() || minor.size() > 3 || !std::all_of(minor.begin(), minor.end(), is_digit)) {
    return {};
  }
  return std::string(rest);
}

// Length of the run of characters accepted by `ok` at the start of `s`.
template <typename F>
std::size_t span(std::string_view s, F ok) {
  std::size_t n = 0;
  while (n < s.size() && ok(s[n])) ++n;
  return n;
}

std::vector<std::string> python_minors_in(const FileSystem& fs, const std::string& libdir) {
  std::vector<std::string> out;
  auto entries = fs.list(libdir);
  if (!entries) return out;
  for (const auto& e : *entries) {
    auto m = minor_from_dirname(e.name);
    if (!m.empty()) out.push_back(m);
  }
  // Highest minor first: "3.12" before "3.9".
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    return std::stoi(a.substr(2)) > std::stoi(b.substr(2));
  });
  return out;
}

std::map<std::string, std::string> read_cfg(const FileSystem& fs, const std::string& path) {
  std::map<std::string, std::string> out;
  auto text = fs.read(path, kSmallFile);
  if (!text) return out;
  std::size_t i = 0;
  while (i < text->size()) {
    std::size_t j = text->find('\n', i);
    if (j == std::string::npos) j = text->size();
    std::string line = text->substr(i, j - i);
    i = j + 1;
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t\r"));
      s.erase(s.find_last_not_of(" \t\r") + 1);
      return s;
    };
    out[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  return out;
}

// Debian records the interpreter's exact upstream version in the dpkg database.
std::string version_from_dpkg(const FileSystem& fs, const std::string& minor) {
  auto text = fs.read("/var/lib/dpkg/status", kDpkgStatusLimit);
  if (!text) return {};
  std::string want = "Package: python" + minor + "-minimal\n";
  auto pos = text->find(want);
  if (pos == std::string::npos) return {};
  auto end = text->find("\n\n", pos);
  std::string_view block(*text);
  block = block.substr(pos, end == std::string::npos ? std::string_view::npos : end - pos);
  // "Version: [epoch:]X.Y.Z[a-z0-9]*..." -> "X.Y.Z..."; parsed by hand, as
  // std::regex recurses per character and a hostile status file is 64 MiB.
  constexpr std::string_view kField = "\nVersion: ";
  for (auto at = block.find(kField); at != std::string_view::npos; at = block.find(kField, at + 1)) {
    std::string_view v = block.substr(at + kField.size());
    if (std::size_t epoch = span(v, is_digit); epoch > 0 && epoch < v.size() && v[epoch] == ':') {
      v.remove_prefix(epoch + 1);
    }
    std::size_t n = 0;
    bool ok = true;
    for (int part = 0; part < 3 && ok; ++part) {
      if (part > 0) {
        ok = n < v.size() && v[n] == '.';
        ++n;
      }
      std::size_t digits = ok ? span(v.substr(std::min(n, v.size())), is_digit) : 0;
      ok = ok && digits > 0;
      n += digits;
    }
    if (!ok) continue;
    n += span(v.substr(n), [](char c) { return is_digit(c) || (c >= 'a' && c <= 'z'); });
    return std::string(v.substr(0, n));
  }
  return {};
}

std::string conda_python_version(const FileSystem& fs, const std::string& prefix) {
  std::string meta = join_path(prefix, "conda-meta");
  auto entries = fs.list(meta);
  if (!entries) return {};
  for (const auto& e : *entries) {
    if (!e.name.starts_with("python-") || !e.name.ends_with(".json")) continue;
    if (e.name.size() < 8 || !std::isdigit(static_cast<unsigned char>(e.name[7]))) continue;
    auto text = fs.read(join_path(meta, e.name), kSmallFile * 16);
    if (!text) continue;
    auto doc = nlohmann::json::parse(*text, nullptr, false);
    if (doc.is_object() && doc.contains("version") && doc["version"].is_string()) {
      return doc["version"].get<std::string>();
    }
  }
  return {};
}

// Fills version/abi for an interpreter of `minor` living under `prefix`.
void settle_version(const FileSystem& fs, const std::string& prefix, const std::string& minor,
                    std::string hint, lockfile::Python& py) {
  std::string version = std::move(hint);
  if (version.empty()) version = conda_python_version(fs, prefix);
  if (version.empty()) {
    auto text = fs.read(join_path(prefix, "include/python" + minor + "/patchlevel.h"), kSmallFile);
    if (text) version = version_from_patchlevel(*text);
  }
  if (version.empty()) version = version_from_dpkg(fs, minor);
  if (version.empty()) version = minor;
  py.implementation = "cpython";
  py.version = version;
  py.abi = "cp" + minor.substr(0, 1) + minor.substr(2);
  py.prefix = prefix;
  py.executable = join_path(prefix, "bin/python" + minor);
}

// lib64 is often a link to lib: the same directory must not be read twice.
void add_existing(const FileSystem& fs, std::vector<std::string>& out, const std::string& dir) {
  if (!fs.is_dir(dir)) return;
  auto real = fs.realpath(dir);
  for (const auto& have : out) {
    if (have == dir || (real && fs.realpath(have).value_or("") == *real)) return;
  }
  out.push_back(dir);
}

void add_prefix_sites(const FileSystem& fs, const std::string& prefix, const std::string& minor,
                      std::vector<std::string>& out) {
  for (const char* lib : {"lib", "lib64"}) {
    for (const char* kind : {"site-packages", "dist-packages"}) {
      add_existing(fs, out, join_path(prefix, std::string(lib) + "/python" + minor + "/" + kind));
    }
  }
}

Result<DiscoveredPython> discover_venv(const FileSystem& fs, const std::string& prefix) {
  auto cfg = read_cfg(fs, join_path(prefix, "pyvenv.cfg"));
  DiscoveredPython out;
  auto minors = python_minors_in(fs, join_path(prefix, "lib"));
  if (minors.empty()) return fail(prefix + ": venv has no lib/pythonX.Y directory");
  std::string hint = cfg.count("version") ? cfg["version"] : cfg["version_info"];
  settle_version(fs, prefix, minors.front(), hint, out.python);
  add_prefix_sites(fs, prefix, minors.front(), out.site_dirs);
  std::string inc = cfg["include-system-site-packages"];
  std::transform(inc.begin(), inc.end(), inc.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  if (inc == "true" && cfg.count("home")) {
    std::string base = parent_path(normalize_path(cfg["home"]));
    // A venv scanned as `--root` is confined to itself: the base interpreter
    // it names lies outside and is not read (scan it with --python instead).
    if (auto st = fs.stat(base); !st) {
      out.notes.push_back(join_path(prefix, "pyvenv.cfg") + ": include-system-site-packages: " +
                          st.error().message + "; its site-packages are not scanned");
    }
    add_prefix_sites(fs, base, minors.front(), out.site_dirs);
    if (base == "/usr") add_existing(fs, out.site_dirs, "/usr/lib/python3/dist-packages");
  }
  return out;
}

}  // namespace

std::string version_from_patchlevel(std::string_view text) {
  // #define[ \t]+PY_VERSION[ \t]+"([0-9A-Za-z.+]+)", by hand: std::regex
  // recurses per character of a run.
  text = text.substr(0, 1 << 16);
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  for (auto at = text.find("#define"); at != std::string_view::npos; at = text.find("#define", at + 1)) {
    std::string_view rest = text.substr(at + 7);
    std::size_t n = span(rest, blank);
    if (n == 0 || !rest.substr(n).starts_with("PY_VERSION")) continue;
    rest.remove_prefix(n + 10);
    n = span(rest, blank);
    if (n == 0 || n >= rest.size() || rest[n] != '"') continue;
    rest.remove_prefix(n + 1);
    std::size_t len = span(rest, [](char c) {
      return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' || c == '+';
    });
    if (len == 0 || len >= rest.size() || rest[len] != '"') continue;
    return std::string(rest.substr(0, len));
  }
  return {};
}

Result<DiscoveredPython> discover_python(const FileSystem& fs, const std::string& prefix_in) {
  std::string prefix = normalize_path(prefix_in);
  if (fs.is_file(join_path(prefix, "pyvenv.cfg"))) return discover_venv(fs, prefix);
  if (fs.is_dir(join_path(prefix, "conda-meta"))) {
    DiscoveredPython out;
    auto minors = python_minors_in(fs, join_path(prefix, "lib"));
    if (minors.empty()) return fail(prefix + ": conda prefix has no lib/pythonX.Y directory");
    settle_version(fs, prefix, minors.front(), "", out.python);
    add_prefix_sites(fs, prefix, minors.front(), out.site_dirs);
    return out;
  }
  // A root filesystem: the interpreter most images run is the highest one under
  // /usr/local (python:* images) or /usr (distributions); venvs and conda at the
  // usual places come first because they are what an application activates.
  DiscoveredPython out;
  for (const char* env : {"/opt/venv", "/venv", "/app/.venv", "/opt/conda"}) {
    std::string p = join_path(prefix, env + 1);
    if (fs.is_file(join_path(p, "pyvenv.cfg")) || fs.is_dir(join_path(p, "conda-meta"))) {
      auto found = discover_python(fs, p);
      if (found) return found;
    }
  }
  for (const char* base : {"usr/local", "usr"}) {
    std::string p = join_path(prefix, base);
    auto minors = python_minors_in(fs, join_path(p, "lib"));
    if (minors.empty()) continue;
    settle_version(fs, p, minors.front(), "", out.python);
    add_prefix_sites(fs, join_path(prefix, "usr/local"), minors.front(), out.site_dirs);
    add_prefix_sites(fs, join_path(prefix, "usr"), minors.front(), out.site_dirs);
    add_existing(fs, out.site_dirs, join_path(prefix, "usr/lib/python3/dist-packages"));
    return out;
  }
  return fail(prefix + ": no Python installation found (looked for pyvenv.cfg, conda-meta/, "
                       "usr/local/lib/python3.X and usr/lib/python3.X)");
}

}  // namespace envlock::scanner
