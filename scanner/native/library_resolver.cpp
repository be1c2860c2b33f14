#include "scanner/native/library_resolver.hpp"

#include <algorithm>
#include <deque>

#include "scanner/native/elf_file.hpp"

namespace envlock::scanner {

namespace {

constexpr std::uint64_t kHeaderBytes = kEhdr64Bytes;
// A hostile tree could chain thousands of libraries; ld.so has no limit, but a
// closure this large is a broken target, not an environment.
constexpr std::size_t kMaxClosure = 4096;

struct MachineInfo {
  std::uint16_t machine;
  int elf_class;
  std::string_view triplet;      // Debian multiarch directory name
  std::string_view interpreter;  // default PT_INTERP
  std::uint32_t cache_flags;     // ld.so.cache flags ld.so accepts besides plain FLAG_ELF
};

constexpr MachineInfo kMachines[] = {
    {kEmX86_64, 64, "x86_64-linux-gnu", "/lib64/ld-linux-x86-64.so.2", kLdCacheElfLibc6 | kLdCacheX8664Lib64},
    {kEmX86_64, 32, "x86_64-linux-gnux32", "/libx32/ld-linux-x32.so.2", kLdCacheElfLibc6 | kLdCacheX8664Libx32},
    {kEm386, 32, "i386-linux-gnu", "/lib/ld-linux.so.2", kLdCacheElfLibc6},
    {kEmAarch64, 64, "aarch64-linux-gnu", "/lib/ld-linux-aarch64.so.1", kLdCacheElfLibc6 | kLdCacheAarch64Lib64},
    {kEmArm, 32, "arm-linux-gnueabihf", "/lib/ld-linux-armhf.so.3", kLdCacheElfLibc6 | 0x0900},
    {kEmPpc64, 64, "powerpc64le-linux-gnu", "/lib64/ld64.so.2", kLdCacheElfLibc6 | 0x0500},
    {kEmS390, 64, "s390x-linux-gnu", "/lib/ld64.so.1", kLdCacheElfLibc6 | 0x0400},
    {kEmRiscv, 64, "riscv64-linux-gnu", "/lib/ld-linux-riscv64-lp64d.so.1", kLdCacheElfLibc6 | 0x1000},
};

const MachineInfo* machine_info(std::uint16_t machine, int elf_class) {
  for (const auto& m : kMachines)
    if (m.machine == machine && m.elf_class == elf_class) return &m;
  return nullptr;
}

bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/// Replaces $ORIGIN, $LIB, $PLATFORM (bare or in braces); other '$' stay literal.
std::string substitute(std::string_view s, std::string_view origin, std::string_view lib,
                       std::string_view platform) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] != '$') {
      out.push_back(s[i++]);
      continue;
    }
    bool matched = false;
    for (auto [token, value] : {std::pair{std::string_view("ORIGIN"), origin},
                                std::pair{std::string_view("LIB"), lib},
                                std::pair{std::string_view("PLATFORM"), platform}}) {
      std::string_view rest = s.substr(i + 1);
      std::size_t len = 0;
      if (rest.starts_with(token) && (rest.size() == token.size() || !is_ident_char(rest[token.size()])))
        len = 1 + token.size();
      else if (rest.size() >= token.size() + 2 && rest[0] == '{' && rest.substr(1).starts_with(token) &&
               rest[token.size() + 1] == '}')
        len = 3 + token.size();
      if (len) {
        out.append(value);
        i += len;
        matched = true;
        break;
      }
    }
    if (!matched) out.push_back(s[i++]);
  }
  return out;
}

}  // namespace

LibraryResolver::LibraryResolver(const FileSystem& fs, std::vector<std::string> ld_library_path)
    : fs_(fs) {
  // ld.so splits LD_LIBRARY_PATH at ':' and ';'; accept it whole or split.
  for (const auto& entry : ld_library_path) {
    std::size_t i = 0;
    while (i <= entry.size()) {
      std::size_t j = entry.find_first_of(":;", i);
      if (j == std::string::npos) j = entry.size();
      if (j > i) ld_library_path_.push_back(entry.substr(i, j - i));
      i = j + 1;
    }
  }
}

const std::string& LibraryResolver::cache_error() {
  load_cache();
  return cache_error_;
}

void LibraryResolver::load_cache() {
  if (cache_loaded_) return;
  cache_loaded_ = true;
  constexpr std::string_view kCache = "/etc/ld.so.cache";
  if (!fs_.exists(kCache)) return;
  auto bytes = fs_.read(kCache);
  if (!bytes) {
    cache_error_ = bytes.error().message;
    return;
  }
  auto entries = parse_ld_cache(*bytes, kCache);
  if (!entries) {
    cache_error_ = entries.error().message;
    return;
  }
  for (auto& e : *entries) cache_[e.soname].push_back(std::move(e));
}

const LibraryResolver::Header& LibraryResolver::header(const std::string& path) {
  auto it = headers_.find(path);
  if (it != headers_.end()) return it->second;
  Header h;
  auto st = fs_.stat(path);
  if (st && st->type == FileType::kRegular) {
    auto bytes = fs_.read_prefix(path, kHeaderBytes);
    if (bytes) {
      h.exists = true;
      const ElfIdent ident = decode_ident(*bytes);
      h.elf = ident.magic && bytes->size() >= kEhdrMachine + 2;
      if (h.elf) {
        h.elf_class = ident.bits();
        h.little = ident.little_endian();
        const PrefixWindow source(*bytes);
        h.machine = ElfBytes(source, ident).u16(kEhdrMachine);
      }
    }
  }
  return headers_.emplace(path, h).first->second;
}

bool LibraryResolver::try_candidate(const std::string& path, const ElfInfo& want) {
  const Header& h = header(path);
  return h.exists && h.elf && h.elf_class == want.elf_class && h.little == want.little_endian &&
         h.machine == want.machine;
}

const LibraryResolver::Layout& LibraryResolver::layout(const ElfInfo& want) {
  auto key = std::pair{want.elf_class, want.machine};
  auto it = layouts_.find(key);
  if (it != layouts_.end()) return it->second;
  Layout l;
  const MachineInfo* m = machine_info(want.machine, want.elf_class);
  l.platform = machine_name(want.machine, want.elf_class, want.little_endian);
  std::string triplet = m ? std::string(m->triplet) : "";
  bool multiarch = !triplet.empty() &&
                   (fs_.is_dir("/lib/" + triplet) || fs_.is_dir("/usr/lib/" + triplet));
  if (multiarch) {
    // Debian/Ubuntu: ld.so is built with the triplet directories first.
    l.lib = "lib/" + triplet;
    l.default_dirs = {"/lib/" + triplet, "/usr/lib/" + triplet, "/lib", "/usr/lib"};
  } else if (want.elf_class == 64) {
    l.lib = "lib64";
    l.default_dirs = {"/lib64", "/usr/lib64"};
  } else {
    l.lib = "lib";
    l.default_dirs = {"/lib", "/usr/lib"};
  }
  return layouts_.emplace(key, std::move(l)).first->second;
}

std::vector<std::string> LibraryResolver::expand(const std::vector<std::string>& dirs,
                                                 std::string_view origin, const ElfInfo& want) {
  const Layout& l = layout(want);
  std::vector<std::string> out;
  for (const auto& d : dirs) {
    std::string e = substitute(d, origin, l.lib, l.platform);
    // Relative entries are relative to the process's cwd, unknowable here.
    if (!e.starts_with('/')) continue;
    // ld.so only trims trailing slashes; "a/../b" stays as written, and ldd prints it so.
    while (e.size() > 1 && e.back() == '/') e.pop_back();
    out.push_back(std::move(e));
  }
  return out;
}

std::string LibraryResolver::search(const std::vector<Link>& chain, const Link& main,
                                    std::string_view needed) {
  const ElfInfo& want = *chain.front().info;
  std::string_view requester_path = chain.front().path;
  if (needed.find('/') != std::string_view::npos) {
    std::string p = substitute(needed, parent_path(requester_path), layout(want).lib, layout(want).platform);
    if (!p.starts_with('/')) return "";
    return try_candidate(p, want) ? p : "";
  }
  auto in_dirs = [&](const std::vector<std::string>& dirs) -> std::string {
    for (const auto& d : dirs) {
      std::string p = join_path(d, needed);
      if (try_candidate(p, want)) return p;
    }
    return "";
  };
  const ElfInfo& requester = want;
  if (requester.runpath.empty()) {
    bool did_main = false;
    for (const Link& l : chain) {
      // An object with DT_RUNPATH has no effective DT_RPATH.
      if (!l.info->runpath.empty() || l.info->rpath.empty()) continue;
      auto found = in_dirs(expand(l.info->rpath, parent_path(l.path), want));
      if (!found.empty()) return found;
      did_main |= l.path == main.path;
    }
    if (!did_main && main.info->runpath.empty() && !main.info->rpath.empty()) {
      auto found = in_dirs(expand(main.info->rpath, parent_path(main.path), want));
      if (!found.empty()) return found;
    }
  }
  if (!ld_library_path_.empty()) {
    auto found = in_dirs(expand(ld_library_path_, parent_path(main.path), want));
    if (!found.empty()) return found;
  }
  if (!requester.runpath.empty()) {
    auto found = in_dirs(expand(requester.runpath, parent_path(requester_path), want));
    if (!found.empty()) return found;
  }
  if (requester.flags_1 & kDf1Nodeflib) return "";
  load_cache();
  const MachineInfo* m = machine_info(want.machine, want.elf_class);
  if (auto it = cache_.find(std::string(needed)); it != cache_.end()) {
    for (const auto& e : it->second) {
      if (e.hwcap != 0) continue;  // glibc-hwcaps variants depend on the running CPU
      if (m && e.flags != kLdCacheElf && e.flags != m->cache_flags) continue;
      if (try_candidate(e.path, want)) return e.path;
    }
  }
  return in_dirs(layout(want).default_dirs);
}

Result<std::string> LibraryResolver::resolve(const ElfInfo& requester, std::string_view requester_path,
                                             std::string_view needed) {
  if (needed.empty()) return fail(std::string(requester_path) + ": empty DT_NEEDED name");
  Link self{&requester, requester_path};
  return search({self}, self, needed);
}

std::string LibraryResolver::find_system(std::string_view name, int elf_class, std::uint16_t machine) {
  load_cache();
  std::vector<std::string> candidates;
  if (auto it = cache_.find(std::string(name)); it != cache_.end())
    for (const auto& e : it->second)
      if (e.hwcap == 0) candidates.push_back(e.path);
  if (machine != 0) {
    ElfInfo want;
    want.elf_class = elf_class;
    want.machine = machine;
    for (const auto& d : layout(want).default_dirs) candidates.push_back(join_path(d, name));
  } else {
    for (const auto& m : kMachines) {
      candidates.push_back("/lib/" + std::string(m.triplet) + "/" + std::string(name));
      candidates.push_back("/usr/lib/" + std::string(m.triplet) + "/" + std::string(name));
    }
    for (const char* d : {"/lib64", "/usr/lib64", "/lib", "/usr/lib"}) candidates.push_back(join_path(d, name));
  }
  std::string first;
  for (const auto& c : candidates) {
    const Header& h = header(c);
    if (!h.exists || !h.elf) continue;
    if (machine != 0 && (h.machine != machine || h.elf_class != elf_class)) continue;
    if (machine != 0 || h.elf_class == 64) return c;
    if (first.empty()) first = c;
  }
  return first;
}

const ElfInfo* LibraryResolver::parsed(std::string_view path, std::string* error) {
  std::string key(path);
  auto it = parsed_.find(key);
  if (it == parsed_.end())
    it = parsed_.emplace(key, std::make_unique<Result<ElfInfo>>(read_elf_file(fs_, path))).first;
  const Result<ElfInfo>& r = *it->second;
  if (r) return &*r;
  if (error) *error = r.error().message;
  return nullptr;
}

void LibraryResolver::remember(std::string path, Result<ElfInfo> info) {
  parsed_[std::move(path)] = std::make_unique<Result<ElfInfo>>(std::move(info));
}

std::string LibraryResolver::identity(std::string_view path) {
  std::string key(path);
  auto it = real_.find(key);
  if (it != real_.end()) return it->second;
  auto r = fs_.realpath(path);
  return real_.emplace(key, r ? *r : key).first->second;
}

std::string LibraryResolver::interpreter_for(const ElfInfo& root) {
  if (!root.interpreter.empty()) return root.interpreter;
  const MachineInfo* m = machine_info(root.machine, root.elf_class);
  return m ? std::string(m->interpreter) : "";
}

Result<std::vector<LoadedObject>> LibraryResolver::load_closure(std::string_view root_path) {
  std::string error;
  const ElfInfo* root_info = parsed(root_path, &error);
  if (!root_info) return fail(error);

  // A deque keeps the ElfInfo addresses in `chain` valid while objects are added.
  std::deque<LoadedObject> objects;
  // Every name each object answers to: what it was requested as, plus its soname.
  std::deque<std::vector<std::string>> names;
  auto add = [&](LoadedObject obj) {
    names.push_back({obj.path, obj.name, obj.info.soname});
    objects.push_back(std::move(obj));
    return objects.size() - 1;
  };
  LoadedObject root;
  root.name = std::string(root_path);
  root.path = root.name;
  root.real = identity(root_path);
  root.info = *root_info;
  add(std::move(root));

  // The dynamic loader is mapped before anything else; it is listed once needed.
  std::optional<LoadedObject> rtld;
  std::string interp = interpreter_for(*root_info);
  if (!interp.empty() && try_candidate(interp, *root_info)) {
    rtld.emplace();
    rtld->path = interp;
    rtld->real = identity(interp);
    rtld->interpreter = true;
    if (const ElfInfo* info = parsed(interp, &rtld->error)) rtld->info = *info;
  }
  auto take_rtld = [&](const std::string& name, std::size_t loader) {
    LoadedObject obj = std::move(*rtld);
    rtld.reset();
    obj.name = name;
    obj.loader = loader;
    return add(std::move(obj));
  };
  auto by_name = [&](std::string_view name) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < objects.size(); ++i)
      for (const auto& n : names[i])
        if (!n.empty() && n == name) return i;
    return std::nullopt;
  };
  auto by_file = [&](const std::string& real) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < objects.size(); ++i)
      if (!objects[i].path.empty() && objects[i].real == real) return i;
    return std::nullopt;
  };

  for (std::size_t i = 0; i < objects.size(); ++i) {
    if (objects[i].path.empty() || !objects[i].error.empty()) continue;
    std::vector<Link> chain;  // the loaders up to the root, for the inherited DT_RPATH
    for (std::size_t j = i;; j = objects[j].loader) {
      chain.push_back({&objects[j].info, objects[j].path});
      if (j == 0) break;
    }
    const Link main{&objects[0].info, objects[0].path};
    for (const auto& name : objects[i].info.needed) {
      std::optional<std::size_t> target = by_name(name);
      if (!target && rtld &&
          (name == rtld->info.soname || name == rtld->path ||
           (rtld->info.soname.empty() && name == base_name(rtld->path)))) {
        target = take_rtld(name, i);
      }
      if (!target) {
        std::string found = search(chain, main, name);
        std::string real = found.empty() ? "" : identity(found);
        if (!found.empty()) {
          target = by_file(real);
          if (!target && rtld && rtld->real == real) target = take_rtld(name, i);
          // Another name for a file already loaded answers to it from now on.
          if (target) names[*target].push_back(name);
        }
        if (!target) {
          if (objects.size() >= kMaxClosure)
            return fail(std::string(root_path) + ": more than " + std::to_string(kMaxClosure) +
                        " objects in the load closure");
          LoadedObject obj;
          obj.name = name;
          obj.path = found;
          obj.real = real;
          obj.loader = i;
          if (!found.empty()) {
            if (const ElfInfo* info = parsed(found, &obj.error)) obj.info = *info;
          }
          target = add(std::move(obj));
        }
      }
      objects[i].resolved[name] = objects[*target].path;
    }
  }
  return std::vector<LoadedObject>(std::make_move_iterator(objects.begin()),
                                   std::make_move_iterator(objects.end()));
}

}  // namespace envlock::scanner
