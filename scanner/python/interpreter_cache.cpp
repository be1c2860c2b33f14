#include "scanner/python/interpreter_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

#include "base/sha256.hpp"
#include "base/subprocess.hpp"
#include "scanner/cache/cache_file.hpp"
#include "scanner/fs/filesystem.hpp"
#include "scanner/cache/hash_cache.hpp"

namespace envlock::scanner {

namespace {

constexpr const char* kFormat = "envlock-interpreter-cache";
constexpr int kVersion = 2;  // 2: the isolated query (-I -S), no sys.path in it
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
  id.resolved = find_command(exe, env_value(environ, "PATH"), cwd);
  if (id.resolved.empty() || ::realpath(id.resolved.c_str(), buf) == nullptr) return std::nullopt;
  id.real = buf;
  if (is_script(id.real)) return std::nullopt;
  // Everything the query's answer depends on besides the files stamped below:
  // the environment and arguments it passes (query_environment) and the ids
  // that decide whether a normal run enables the user site.
  QueryEnvironment q = query_environment(environ);
  id.text = "command=" + exe + "\n" + "resolved=" + id.resolved + "\n" + "real=" + id.real + "\n" + "cwd=" + cwd + "\n";
  for (const auto& e : q.env) id.text += "env:" + e + "\n";
  for (const auto& a : q.args) id.text += "arg:" + a + "\n";
  id.text += "ids=" + std::to_string(::getuid()) + ":" + std::to_string(::geteuid()) + ":" +
             std::to_string(::getgid()) + ":" + std::to_string(::getegid()) + "\n";
  return id;
}

Stamp stamp_of(const std::string& path) {
  StatStamp st = stat_stamp(path);
  return {path, std::move(st.value), st.ctime_ns};
}

std::vector<Stamp> stamps_for(const Identity& id, const InterpreterFacts& facts) {
  std::vector<std::string> paths{id.real};
  for (const std::string& cmd : {id.resolved, id.real}) {
    std::string bin = parent_path(cmd);
    paths.push_back(join_path(bin, "pyvenv.cfg"));
    paths.push_back(join_path(parent_path(bin), "pyvenv.cfg"));
  }
  // The start the interpreter computes (getpath) looks for its standard
  // library: a directory of it that appears or goes changes the answer.
  paths.insert(paths.end(), facts.base_path.begin(), facts.base_path.end());
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
  return join_path(dir_, "interpreters/" + sha256_hex(id->text) + ".json");
}

std::optional<InterpreterFacts> InterpreterCache::lookup(const std::string& exe,
                                                         const std::vector<std::string>& environ) const {
  if (dir_.empty()) return std::nullopt;
  auto id = identify(exe, environ);
  if (!id) return std::nullopt;
  auto content = read_cache_file(join_path(dir_, "interpreters/" + sha256_hex(id->text) + ".json"),
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
  return write_cache_file(join_path(dir_, "interpreters/" + sha256_hex(id->text) + ".json"), text)
      .has_value();
}

}  // namespace envlock::scanner
