#include "scanner/interpreter_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "lockfile/sha256.hpp"
#include "scanner/cache_file.hpp"
#include "scanner/filesystem.hpp"
#include "scanner/hash_cache.hpp"
#include "scanner/pth_file.hpp"

namespace envlock::scanner {

namespace {

constexpr const char* kFormat = "envlock-interpreter-cache";
constexpr int kVersion = 1;
constexpr std::uint64_t kMaxEntryBytes = 4u << 20;

struct Identity {
  std::string text;      ///< everything the entry is keyed on, one string
  std::string resolved;  ///< the command after the PATH lookup, absolute
  std::string real;      ///< its realpath
};

struct Stamp {
  std::string path;
  std::string value;  ///< "missing", or type:dev:ino:size:mtime_ns:ctime_ns
  std::int64_t ctime_ns = 0;
};

bool shapes_startup(std::string_view name) {
  return name == "PATH" || name == "HOME" || name == "LD_LIBRARY_PATH" || name == "LD_PRELOAD" ||
         name.starts_with("PYTHON");
}

std::string env_value(const std::vector<std::string>& environ, std::string_view name) {
  for (const auto& e : environ) {
    if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=') {
      return e.substr(name.size() + 1);
    }
  }
  return "";
}

bool executable_file(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// The file execvp would run for `exe`, absolute; "" when there is none.
std::string resolve_command(const std::string& exe, const std::string& path_value, const std::string& cwd) {
  auto absolute = [&](const std::string& p) { return p.starts_with('/') ? p : join_path(cwd, p); };
  if (exe.find('/') != std::string::npos) return normalize_path(absolute(exe));
  std::size_t i = 0;
  while (i <= path_value.size()) {
    std::size_t j = std::min(path_value.find(':', i), path_value.size());
    std::string dir = j > i ? path_value.substr(i, j - i) : ".";  // an empty element is the cwd
    std::string candidate = normalize_path(absolute(join_path(dir, exe)));
    if (executable_file(candidate)) return candidate;
    i = j + 1;
  }
  return "";
}

// A script names its interpreter in "#!": which Python runs is decided at run
// time (pyenv, asdf and conda shims read files and variables of their own).
bool is_script(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return true;  // unreadable: nothing known, nothing cached
  char head[2] = {};
  ssize_t n = ::read(fd, head, 2);
  ::close(fd);
  return n != 2 || (head[0] == '#' && head[1] == '!');
}

std::optional<Identity> identify(const std::string& exe, const std::vector<std::string>& environ) {
  char buf[PATH_MAX];
  if (::getcwd(buf, sizeof buf) == nullptr) return std::nullopt;
  std::string cwd = buf;
  Identity id;
  id.resolved = resolve_command(exe, env_value(environ, "PATH"), cwd);
  if (id.resolved.empty() || ::realpath(id.resolved.c_str(), buf) == nullptr) return std::nullopt;
  id.real = buf;
  if (is_script(id.real)) return std::nullopt;
  std::vector<std::string> env;
  for (const auto& e : environ) {
    if (shapes_startup(std::string_view(e).substr(0, e.find('=')))) env.push_back(e);
  }
  std::sort(env.begin(), env.end());
  id.text = "command=" + exe + "\n" + "resolved=" + id.resolved + "\n" + "real=" + id.real + "\n" + "cwd=" + cwd + "\n";
  for (const auto& e : env) id.text += "env:" + e + "\n";
  return id;
}

Stamp stamp_of(const std::string& path) {
  StatStamp st = stat_stamp(path);
  return {path, std::move(st.value), st.ctime_ns};
}

bool watched_in_path_dir(const std::string& name) {
  return name.ends_with(".pth") || name.starts_with("sitecustomize.") || name.starts_with("usercustomize.");
}

// The directories a .pth file names, as site.py reads it: one per line, relative
// to the .pth's directory, "#" comments and "import" lines aside. site adds
// only those that exist, so a missing one that appears later changes sys.path.
std::vector<std::string> pth_targets(const std::string& dir, const std::string& pth) {
  std::vector<std::string> out;
  // Regular files only (a FIFO must not block the scan), the first 1 MiB.
  int fd = ::open(pth.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return out;
  struct stat st;
  std::string text;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    text.resize(static_cast<std::size_t>(std::min<off_t>(st.st_size, 1 << 20)));
    ssize_t n = ::read(fd, text.data(), text.size());
    text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  }
  ::close(fd);
  for (const auto& entry : pth_entries(text)) {
    out.push_back(normalize_path(entry.starts_with('/') ? entry : join_path(dir, entry)));
  }
  return out;
}

std::vector<Stamp> stamps_for(const Identity& id, const InterpreterFacts& facts) {
  std::vector<std::string> paths{id.real};
  for (const std::string& cmd : {id.resolved, id.real}) {
    std::string bin = parent_path(cmd);
    paths.push_back(join_path(bin, "pyvenv.cfg"));
    paths.push_back(join_path(parent_path(bin), "pyvenv.cfg"));
  }
  for (const auto& dir : facts.sys_path) {
    paths.push_back(dir);
    std::error_code ec;
    std::vector<std::string> names;
    // increment(ec), not a range-for: that one throws on a read error.
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (watched_in_path_dir(name)) names.push_back(join_path(dir, name));
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      paths.push_back(name);
      if (name.ends_with(".pth")) {
        auto targets = pth_targets(dir, name);
        paths.insert(paths.end(), targets.begin(), targets.end());
      }
    }
  }
  paths.insert(paths.end(), facts.site_candidates.begin(), facts.site_candidates.end());
  std::vector<Stamp> out;
  std::set<std::string> seen;
  for (const auto& p : paths) {
    if (seen.insert(p).second) out.push_back(stamp_of(p));
  }
  return out;
}

}  // namespace

InterpreterCache::InterpreterCache(std::string dir) : dir_(std::move(dir)) {}

std::string InterpreterCache::entry_file(const std::string& exe, const std::vector<std::string>& environ) const {
  if (dir_.empty()) return "";
  auto id = identify(exe, environ);
  if (!id) return "";
  return join_path(dir_, "interpreters/" + lockfile::sha256_hex(id->text) + ".json");
}

std::optional<InterpreterFacts> InterpreterCache::lookup(const std::string& exe,
                                                         const std::vector<std::string>& environ) const {
  if (dir_.empty()) return std::nullopt;
  auto id = identify(exe, environ);
  if (!id) return std::nullopt;
  auto content = read_cache_file(join_path(dir_, "interpreters/" + lockfile::sha256_hex(id->text) + ".json"),
                                 kMaxEntryBytes);
  if (!content || !*content) return std::nullopt;
  // A hostile or garbled entry is a miss: every field's type is checked
  // before it is read (nlohmann throws on a wrong type).
  nlohmann::json doc = nlohmann::json::parse(**content, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  auto is_string = [&](const char* key, const std::string& want) {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() && it->get_ref<const std::string&>() == want;
  };
  auto version = doc.find("version");
  if (!is_string("format", kFormat) || !is_string("identity", id->text) || version == doc.end() ||
      !version->is_number_integer() || version->get<std::int64_t>() != kVersion) {
    return std::nullopt;
  }
  auto stamps = doc.find("stamps");
  auto output = doc.find("output");
  if (stamps == doc.end() || !stamps->is_array() || stamps->empty() || output == doc.end() || !output->is_string()) {
    return std::nullopt;
  }
  for (const auto& s : *stamps) {
    if (!s.is_array() || s.size() != 2 || !s[0].is_string() || !s[1].is_string()) return std::nullopt;
    if (stamp_of(s[0].get<std::string>()).value != s[1].get<std::string>()) return std::nullopt;
  }
  auto facts = parse_interpreter_output(output->get<std::string>(), exe);
  if (!facts) return std::nullopt;
  return std::move(*facts);
}

bool InterpreterCache::store(const std::string& exe, const std::vector<std::string>& environ,
                             const InterpreterFacts& facts, std::int64_t started_ns) const {
  if (dir_.empty() || facts.output.empty()) return false;
  auto id = identify(exe, environ);
  if (!id) return false;
  nlohmann::json stamps = nlohmann::json::array();
  for (const auto& s : stamps_for(*id, facts)) {
    // Changed during the query, or so recently that a second change in the
    // same timestamp tick would leave the stamp as it is.
    if (s.ctime_ns > started_ns - HashCache::kRacyWindowNs) return false;
    stamps.push_back({s.path, s.value});
  }
  nlohmann::json doc{{"format", kFormat}, {"version", kVersion}, {"identity", id->text},
                     {"stamps", stamps}, {"output", facts.output}};
  std::string text = doc.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return write_cache_file(join_path(dir_, "interpreters/" + lockfile::sha256_hex(id->text) + ".json"), text)
      .has_value();
}

}  // namespace envlock::scanner
