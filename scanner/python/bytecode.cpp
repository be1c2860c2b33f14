#include "scanner/python/bytecode.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

#include "scanner/image/wanted_files.hpp"

namespace envlock::scanner {

namespace {

// The image reader keeps this much of each pyc (wanted_files.hpp).
constexpr std::size_t kHeaderSize = kBytecodeHeadBytes;
static_assert(kHeaderSize == 16, "PEP 552 header");

// importlib.util.MAGIC_NUMBER of each CPython line's final releases, as a
// little-endian word: the number, then "\r\n". Pre-releases used others, so
// only a version without a pre-release suffix gets one.
struct KnownMagic {
  int minor;
  std::uint16_t number;
};
constexpr KnownMagic kMagics[] = {
    {8, 3413}, {9, 3425}, {10, 3439}, {11, 3495}, {12, 3531}, {13, 3571},
};

std::uint32_t le32(std::string_view b, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 3])) << 24;
}

// Leading decimal number of `s` (at most 4 digits), consumed; nullopt when none.
std::optional<int> take_number(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && n < 5 && s[n] >= '0' && s[n] <= '9') ++n;
  if (n == 0 || n > 4) return std::nullopt;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v * 10 + (s[i] - '0');
  s.remove_prefix(n);
  return v;
}

// "a.cpython-311.opt-1.pyc" for stem "a": the tag ("cpython-311"), or nullopt
// when the name is not one of the stem's cache files.
std::optional<std::string_view> tag_of(std::string_view name, std::string_view stem) {
  if (!name.ends_with(".pyc") || name.size() <= stem.size() + 5) return std::nullopt;
  if (!name.starts_with(stem) || name[stem.size()] != '.') return std::nullopt;
  std::string_view rest = name.substr(stem.size() + 1, name.size() - stem.size() - 5);
  for (std::string_view opt : {".opt-1", ".opt-2"}) {
    if (rest.ends_with(opt)) {
      rest.remove_suffix(opt.size());
      break;
    }
  }
  if (rest.empty() || rest.find('.') != std::string_view::npos) return std::nullopt;
  return rest;
}

struct Candidate {
  std::string pyc;
  std::size_t source;  // index into the caller's sources
};

}  // namespace

BytecodeTarget bytecode_target(std::string_view implementation, std::string_view version) {
  BytecodeTarget t;
  std::string_view v = version;
  auto major = take_number(v);
  if (!major || !v.starts_with('.')) return t;
  v.remove_prefix(1);
  auto minor = take_number(v);
  if (!minor) return t;
  // Other implementations name their caches after their own versions
  // ("pypy39"); a wrong guess would miss every pyc, so none is made.
  if (implementation != "cpython") return t;
  t.cache_tag = "cpython-" + std::to_string(*major) + std::to_string(*minor);
  // "3.11.7" is a release; "3.13.0rc1" or "3.12" + "+" is not known to be one.
  if (v.starts_with('.')) {
    v.remove_prefix(1);
    if (!take_number(v)) return t;
  }
  if (!v.empty() || *major != 3) return t;
  for (const auto& m : kMagics) {
    if (m.minor == *minor) t.magic = static_cast<std::uint32_t>(m.number) | 0x0A0D0000u;
  }
  return t;
}

std::optional<PycHeader> parse_pyc_header(std::string_view bytes) {
  if (bytes.size() < kHeaderSize) return std::nullopt;
  return PycHeader{le32(bytes, 0), le32(bytes, 4), le32(bytes, 8), le32(bytes, 12)};
}

bool would_load(const PycHeader& header, const FileStat& source, const BytecodeTarget& target) {
  if (target.magic && header.magic != *target.magic) return false;
  if ((header.flags & ~3u) != 0) return false;
  if ((header.flags & 1u) != 0) return true;  // hash-based, see the header
  // importlib compares int(st_mtime) & 0xFFFFFFFF and st_size & 0xFFFFFFFF;
  // C++ division truncates toward zero like int() of the float.
  const auto mtime = static_cast<std::uint32_t>(
      static_cast<std::uint64_t>(source.mtime_ns / 1'000'000'000) & 0xFFFFFFFFu);
  const auto size = static_cast<std::uint32_t>(source.size & 0xFFFFFFFFu);
  return header.word2 == mtime && header.word3 == size;
}

std::vector<PinnedBytecode> pin_bytecode(const FileSystem& fs,
                                         const std::vector<BytecodeSource>& sources,
                                         const BytecodeTarget& target,
                                         std::vector<lockfile::Diagnostic>& diagnostics) {
  // One listing of each __pycache__ directory, then names matched by stem.
  std::map<std::string, std::map<std::string, std::size_t>> by_dir;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const std::string& path = sources[i].path;
    std::string name = base_name(path);
    if (!name.ends_with(".py") || name.size() <= 3) continue;
    // A stem with a dot is no module name importlib looks up.
    std::string stem = name.substr(0, name.size() - 3);
    if (stem.find('.') != std::string::npos) continue;
    by_dir[parent_path(path)].emplace(std::move(stem), i);
  }
  std::vector<Candidate> candidates;
  for (const auto& [dir, stems] : by_dir) {
    const std::string cache_dir = join_path(dir, "__pycache__");
    auto entries = fs.list(cache_dir);
    if (!entries) continue;
    for (const auto& e : *entries) {
      // Python reads through a symlink as through a file.
      if (e.type != FileType::kRegular && e.type != FileType::kSymlink) continue;
      auto stem = stems.find(e.name.substr(0, e.name.find('.')));
      if (stem == stems.end()) continue;
      auto tag = tag_of(e.name, stem->first);
      if (!tag || (!target.cache_tag.empty() && *tag != target.cache_tag)) continue;
      candidates.push_back({join_path(cache_dir, e.name), stem->second});
    }
  }

  struct Outcome {
    bool loaded = false;
    std::string sha256;
    std::string error;
  };
  std::vector<Outcome> outcomes(candidates.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < candidates.size(); i = next++) {
      const auto& c = candidates[i];
      auto& out = outcomes[i];
      // No source, no SourceFileLoader: a __pycache__ file alone is never imported.
      auto source = fs.stat(sources[c.source].path);
      if (!source || source->type != FileType::kRegular) continue;
      // One read: the header decides, the code after it is pinned (an image
      // answers from what it kept while streaming).
      auto read = fs.head_and_sha256(c.pyc, kHeaderSize);
      if (!read) {
        out.error = read.error().message;
        continue;
      }
      auto parsed = parse_pyc_header(read->head);
      if (!parsed || !would_load(*parsed, *source, target)) continue;
      out.loaded = true;
      out.sha256 = std::move(read->sha256);
    }
  };
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, candidates.size() / 64 + 1));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();

  std::vector<PinnedBytecode> pinned;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    auto& out = outcomes[i];
    if (!out.error.empty()) {
      diagnostics.push_back({candidates[i].pyc, "byte code not readable: " + out.error});
    } else if (out.loaded) {
      pinned.push_back({std::move(candidates[i].pyc), sources[candidates[i].source].owner,
                        std::move(out.sha256)});
    }
  }
  std::sort(pinned.begin(), pinned.end(),
            [](const PinnedBytecode& a, const PinnedBytecode& b) { return a.path < b.path; });
  return pinned;
}

}  // namespace envlock::scanner
