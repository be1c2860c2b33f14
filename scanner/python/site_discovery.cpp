#include "scanner/python/site_discovery.hpp"

#include <algorithm>
#include <optional>

#include <nlohmann/json.hpp>

#include "base/text.hpp"
#include "scanner/python/metadata_parser.hpp"

namespace envlock::scanner {

namespace {

constexpr std::uint64_t kSmallFile = 1ull << 20;
constexpr std::uint64_t kDpkgStatusLimit = 64ull << 20;
// What a shell in a Debian-based image searches when the image sets no PATH.
constexpr std::size_t kMaxPathEntries = 256;
constexpr std::string_view kDefaultSearchPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

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
  for (std::string_view line : Lines(*text)) {
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    // site.venv() lower-cases the key, not the value.
    std::string key(trim(line.substr(0, eq), " \t\r"));
    std::transform(key.begin(), key.end(), key.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    out[key] = std::string(trim(line.substr(eq + 1), " \t\r"));
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

// Fills version/abi/prefix for an interpreter of `minor` living under `prefix`.
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
}

// The interpreter a venv or conda prefix runs: its own bin/ entry, which in a
// venv is a link to the base interpreter and is reported even when that link
// leads out of a --root jail. "" when the prefix has none.
std::string prefix_executable(const FileSystem& fs, const std::string& prefix, const std::string& minor) {
  for (const std::string& name : {"python" + minor, std::string("python3"), std::string("python")}) {
    std::string exe = join_path(prefix, "bin/" + name);
    if (fs.lstat(exe)) return exe;
  }
  return {};
}

// What site.getsitepackages() of one interpreter depends on besides the
// prefixes: which site.py it runs and its sys.platlibdir.
struct SiteRules {
  bool debian = false;             ///< Debian's patched site.py: dist-packages, /usr/local first
  std::string platlibdir = "lib";  ///< "lib64" where the standard library lives in lib64/
};

// The rules of the interpreter whose standard library lies under `base`. The
// tree's own site.py decides: Debian's patch is the only one that names
// "dist-packages" (upstream site.py never does). Without a readable site.py
// (a stripped tree, or a venv base outside a --root jail) a prefix that has
// Debian's shared lib/python3/dist-packages is taken as Debian's.
SiteRules site_rules(const FileSystem& fs, const std::string& base, const std::string& minor) {
  SiteRules rules;
  const std::string lib = join_path(base, "lib/python" + minor);
  const std::string lib64 = join_path(base, "lib64/python" + minor);
  // configure --with-platlibdir=lib64 (Fedora, SUSE) installs the standard
  // library there; a lib64 -> lib link (venvs, merged trees) is the same place.
  if (fs.is_file(join_path(lib64, "os.py")) && fs.realpath(lib64).value_or("") != fs.realpath(lib).value_or("")) {
    rules.platlibdir = "lib64";
  }
  auto site = fs.read(join_path(base, rules.platlibdir + "/python" + minor + "/site.py"), kSmallFile);
  rules.debian = site ? site->find("\"dist-packages\"") != std::string::npos
                      : fs.is_dir(join_path(base, "lib/python3/dist-packages"));
  return rules;
}

// site.getsitepackages(prefixes) as the interpreter computes it, before the
// existence check. `in_venv`: sys.prefix is a venv (Debian then adds each
// prefix's lib/pythonX.Y/site-packages as well).
std::vector<std::string> site_candidates(const std::vector<std::string>& prefixes, const SiteRules& rules,
                                         const std::string& minor, bool in_venv) {
  std::vector<std::string> libdirs{rules.platlibdir};
  if (rules.platlibdir != "lib") libdirs.emplace_back("lib");
  const std::string py = "python" + minor;
  std::vector<std::string> out;
  std::vector<std::string> seen;
  for (const auto& prefix : prefixes) {
    if (prefix.empty() || std::find(seen.begin(), seen.end(), prefix) != seen.end()) continue;
    seen.push_back(prefix);
    if (!rules.debian) {
      for (const auto& lib : libdirs) out.push_back(join_path(prefix, lib + "/" + py + "/site-packages"));
      continue;
    }
    if (in_venv) out.push_back(join_path(prefix, "lib/" + py + "/site-packages"));
    out.push_back(join_path(prefix, "local/lib/" + py + "/dist-packages"));
    out.push_back(join_path(prefix, "lib/python3/dist-packages"));
    for (const auto& lib : libdirs) out.push_back(join_path(prefix, lib + "/" + py + "/dist-packages"));
  }
  return out;
}

// The entries sys.path has before site runs (python3XY.zip, the standard
// library, lib-dynload): a .pth line naming one of them adds nothing.
std::vector<std::string> stdlib_paths(const std::string& base, const SiteRules& rules, const std::string& minor) {
  std::vector<std::string> out;
  for (const std::string& lib : {rules.platlibdir, std::string("lib")}) {
    std::string dir = join_path(base, lib + "/python" + minor);
    out.push_back(join_path(base, lib + "/python" + minor.substr(0, 1) + minor.substr(2) + ".zip"));
    out.push_back(dir);
    out.push_back(join_path(dir, "lib-dynload"));
  }
  return out;
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

void add_sites(const FileSystem& fs, const std::vector<std::string>& candidates, DiscoveredPython& out) {
  for (const auto& dir : candidates) add_existing(fs, out.site_dirs, dir);
}

// site.venv(): the venv's own site directories first, then, unless pyvenv.cfg
// says include-system-site-packages is anything but "true" (absent is true),
// those of the base prefix, computed by the base's site.py.
Result<DiscoveredPython> discover_venv(const FileSystem& fs, const std::string& prefix, std::string executable) {
  auto cfg = read_cfg(fs, join_path(prefix, "pyvenv.cfg"));
  DiscoveredPython out;
  auto minors = python_minors_in(fs, join_path(prefix, "lib"));
  if (minors.empty()) return fail(prefix + ": venv has no lib/pythonX.Y directory");
  const std::string& minor = minors.front();
  std::string hint = cfg.count("version") ? cfg["version"] : cfg["version_info"];
  settle_version(fs, prefix, minor, hint, out.python);
  out.python.executable = executable.empty() ? prefix_executable(fs, prefix, minor) : std::move(executable);
  std::string inc = cfg.count("include-system-site-packages") ? cfg["include-system-site-packages"] : "true";
  std::transform(inc.begin(), inc.end(), inc.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  std::vector<std::string> prefixes{prefix};
  SiteRules rules;
  std::string base = cfg.count("home") ? parent_path(normalize_path(cfg["home"])) : "";
  if (!base.empty()) {
    // A venv scanned as `--root` is confined to itself: the base interpreter
    // it names lies outside and is not read (scan it with --python instead).
    if (auto st = fs.stat(base); !st) {
      if (inc == "true") {
        out.notes.push_back(join_path(prefix, "pyvenv.cfg") + ": include-system-site-packages: " +
                            st.error().message + "; its site-packages are not scanned");
      }
    } else {
      rules = site_rules(fs, base, minor);
      out.stdlib = stdlib_paths(base, rules, minor);
      if (inc == "true") prefixes.push_back(base);
    }
  }
  add_sites(fs, site_candidates(prefixes, rules, minor, true), out);
  return out;
}

Result<DiscoveredPython> discover_conda(const FileSystem& fs, const std::string& prefix, std::string executable) {
  DiscoveredPython out;
  auto minors = python_minors_in(fs, join_path(prefix, "lib"));
  if (minors.empty()) return fail(prefix + ": conda prefix has no lib/pythonX.Y directory");
  const std::string& minor = minors.front();
  settle_version(fs, prefix, minor, "", out.python);
  out.python.executable = executable.empty() ? prefix_executable(fs, prefix, minor) : std::move(executable);
  SiteRules rules = site_rules(fs, prefix, minor);
  out.stdlib = stdlib_paths(prefix, rules, minor);
  add_sites(fs, site_candidates({prefix}, rules, minor, false), out);
  return out;
}

// An interpreter that is not a venv: prefix and minor, its site directories.
DiscoveredPython discover_system(const FileSystem& fs, const std::string& prefix, const std::string& minor,
                                 std::string executable) {
  DiscoveredPython out;
  settle_version(fs, prefix, minor, "", out.python);
  out.python.executable = std::move(executable);
  SiteRules rules = site_rules(fs, prefix, minor);
  out.stdlib = stdlib_paths(prefix, rules, minor);
  add_sites(fs, site_candidates({prefix}, rules, minor, false), out);
  return out;
}

bool has_stdlib(const FileSystem& fs, const std::string& prefix, const std::string& minor) {
  // getpath's landmark: os.py of the standard library (lib64/ for platlibdir=lib64).
  return fs.is_file(join_path(prefix, "lib/python" + minor + "/os.py")) ||
         fs.is_file(join_path(prefix, "lib64/python" + minor + "/os.py"));
}

// The interpreter `python3` (then `python`) names on `search_path`, as a shell
// in the tree would run it. Its prefix is found the way getpath does: from the
// executable with every link resolved, the nearest directory upwards that
// holds the standard library. nullopt when PATH names none that runs.
std::optional<Result<DiscoveredPython>> discover_on_path(const FileSystem& fs, const std::string& root,
                                                         std::string_view search_path) {
  // An image's config may hold megabytes of PATH; no shell searches past a
  // few dozen entries in practice, so the first kMaxPathEntries are enough.
  std::size_t entries = 0;
  for (std::size_t i = 0; i <= search_path.size() && entries++ < kMaxPathEntries;) {
    std::size_t j = std::min(search_path.find(':', i), search_path.size());
    std::string_view dir = search_path.substr(i, j - i);
    i = j + 1;
    // An empty or relative entry is the working directory, which a tree has not.
    if (!dir.starts_with('/')) continue;
    for (const char* name : {"python3", "python"}) {
      std::string exe = normalize_path(join_path(root, std::string(dir.substr(1)) + "/" + name));
      if (!fs.is_file(exe)) continue;
      // site.venv(): pyvenv.cfg one level above the executable's directory.
      std::string up = parent_path(parent_path(exe));
      if (fs.is_file(join_path(up, "pyvenv.cfg"))) return discover_venv(fs, up, exe);
      if (fs.is_dir(join_path(up, "conda-meta"))) return discover_conda(fs, up, exe);
      auto real = fs.realpath(exe);
      if (!real) continue;
      std::string named = minor_from_dirname(base_name(*real));
      for (std::string d = parent_path(*real);; d = parent_path(d)) {
        std::vector<std::string> minors = named.empty() ? python_minors_in(fs, join_path(d, "lib"))
                                                        : std::vector<std::string>{named};
        for (const auto& minor : minors) {
          if (has_stdlib(fs, d, minor)) return discover_system(fs, d, minor, exe);
        }
        if (d == "/" || d.size() <= root.size()) break;
      }
    }
  }
  return std::nullopt;
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

Result<DiscoveredPython> discover_python(const FileSystem& fs, const std::string& prefix_in,
                                         std::string_view search_path) {
  std::string prefix = normalize_path(prefix_in);
  if (fs.is_file(join_path(prefix, "pyvenv.cfg"))) return discover_venv(fs, prefix, "");
  if (fs.is_dir(join_path(prefix, "conda-meta"))) return discover_conda(fs, prefix, "");
  // A root filesystem. Venvs and conda at the usual places come first: they
  // are what an application runs, whether or not PATH names them.
  for (const char* env : {"/opt/venv", "/venv", "/app/.venv", "/opt/conda"}) {
    std::string p = join_path(prefix, env + 1);
    if (fs.is_file(join_path(p, "pyvenv.cfg")) || fs.is_dir(join_path(p, "conda-meta"))) {
      auto found = discover_python(fs, p);
      if (found) return found;
    }
  }
  // Then the interpreter `python3` runs: /usr/local/bin/python3 of a
  // python.org build before Debian's /usr/bin/python3, as PATH orders them.
  if (search_path.empty()) search_path = kDefaultSearchPath;
  if (auto found = discover_on_path(fs, prefix, search_path)) return std::move(*found);
  // No interpreter in the tree (a site-packages copied without one, a
  // stripped image): a prefix with a standard library, else one with only
  // lib/pythonX.Y. /usr comes first then, as Debian creates an empty
  // /usr/local/lib/pythonX.Y/dist-packages that a python.org build never has
  // without its standard library beside it.
  for (bool need_stdlib : {true, false}) {
    for (const char* base : need_stdlib ? std::vector<const char*>{"usr/local", "usr"}
                                        : std::vector<const char*>{"usr", "usr/local"}) {
      std::string p = join_path(prefix, base);
      for (const auto& minor : python_minors_in(fs, join_path(p, "lib"))) {
        if (need_stdlib && !has_stdlib(fs, p, minor)) continue;
        DiscoveredPython out = discover_system(fs, p, minor, "");
        out.notes.push_back(prefix + ": no python3 or python on PATH (" + std::string(search_path) +
                            ") in this tree; site directories are those an interpreter in " + p +
                            " would have, and no executable is reported");
        return out;
      }
    }
  }
  return fail(prefix + ": no Python installation found (looked for pyvenv.cfg, conda-meta/, python3 on PATH, "
                       "usr/local/lib/python3.X and usr/lib/python3.X)");
}

}  // namespace envlock::scanner
