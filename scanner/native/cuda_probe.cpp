#include "scanner/native/cuda_probe.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "base/text.hpp"
#include "scanner/native/elf_reader.hpp"
#include "scanner/native/elf_versions.hpp"

namespace envlock::scanner {

namespace {

struct Component {
  std::string_view key;
  std::vector<std::string_view> stems;  ///< library names between "lib" and ".so"
  std::vector<std::string_view> headers;
  std::string_view major, minor, patch;  ///< version macros of the header
};

const std::vector<Component>& components() {
  static const std::vector<Component> kComponents = {
      {"cudart", {"cudart"}, {"cuda_runtime_api.h"}, "", "", ""},  // CUDART_VERSION, see below
      {"cublas", {"cublas"}, {"cublas_api.h"}, "CUBLAS_VER_MAJOR", "CUBLAS_VER_MINOR", "CUBLAS_VER_PATCH"},
      {"cublaslt", {"cublasLt"}, {"cublas_api.h"}, "CUBLAS_VER_MAJOR", "CUBLAS_VER_MINOR", "CUBLAS_VER_PATCH"},
      {"cudnn", {"cudnn"}, {"cudnn_version.h", "cudnn.h"}, "CUDNN_MAJOR", "CUDNN_MINOR", "CUDNN_PATCHLEVEL"},
      {"nccl", {"nccl"}, {"nccl.h"}, "NCCL_MAJOR", "NCCL_MINOR", "NCCL_PATCH"},
      {"cufft", {"cufft", "cufftw"}, {"cufft.h"}, "CUFFT_VER_MAJOR", "CUFFT_VER_MINOR", "CUFFT_VER_PATCH"},
      {"cusparse", {"cusparse"}, {"cusparse.h"}, "CUSPARSE_VER_MAJOR", "CUSPARSE_VER_MINOR", "CUSPARSE_VER_PATCH"},
      {"curand", {"curand"}, {"curand.h"}, "CURAND_VER_MAJOR", "CURAND_VER_MINOR", "CURAND_VER_PATCH"},
      {"cusolver", {"cusolver", "cusolverMg"}, {"cusolver_common.h"}, "CUSOLVER_VER_MAJOR",
       "CUSOLVER_VER_MINOR", "CUSOLVER_VER_PATCH"},
      {"nvrtc", {"nvrtc", "nvrtc-builtins"}, {}, "", "", ""},
      {"nvjitlink", {"nvJitLink"}, {}, "", "", ""},
      {"cupti", {"cupti"}, {}, "", "", ""},
      {"nvtx", {"nvToolsExt"}, {}, "", "", ""},
      {"cusparselt", {"cusparseLt"}, {}, "", "", ""},
  };
  return kComponents;
}

constexpr std::uint64_t kHeaderLimit = 1 << 20;

/// "lib<stem>.so[.version]" -> stem, "" for other names.
std::string_view stem_of(std::string_view name) {
  if (!name.starts_with("lib")) return "";
  for (std::size_t pos = name.find(".so"); pos != std::string_view::npos; pos = name.find(".so", pos + 1)) {
    if (pos + 3 == name.size() || name[pos + 3] == '.') return name.substr(3, pos - 3);
  }
  return "";
}

const Component* component_for(std::string_view file_name) {
  std::string_view stem = stem_of(file_name);
  if (stem.empty()) return nullptr;
  for (const auto& c : components()) {
    for (auto s : c.stems)
      if (stem == s) return &c;
    // cuDNN 8/9 split into libcudnn_ops_infer, libcudnn_graph, ...
    if (c.key == "cudnn" && stem.starts_with("cudnn_")) return &c;
  }
  return nullptr;
}

std::size_t parts(std::string_view v) { return v.empty() ? 0 : 1 + std::count(v.begin(), v.end(), '.'); }

std::string_view major_of(std::string_view v) { return v.substr(0, v.find('.')); }

/// Better of two versions for one library: more components, then higher.
bool better(std::string_view a, std::string_view b) {
  if (parts(a) != parts(b)) return parts(a) > parts(b);
  return compare_dotted(a, b) > 0;
}

std::map<std::string, long> defines(std::string_view text) {
  std::map<std::string, long> out;
  for (std::string_view line : Lines(text)) {
    auto skip = [&] {
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    };
    skip();
    if (!line.starts_with('#')) continue;
    line.remove_prefix(1);
    skip();
    if (!line.starts_with("define")) continue;
    line.remove_prefix(6);
    skip();
    std::size_t n = 0;
    while (n < line.size() && line[n] != ' ' && line[n] != '\t') ++n;
    std::string name(line.substr(0, n));
    line.remove_prefix(n);
    skip();
    long value = 0;
    auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), value);
    if (ec == std::errc() && ptr != line.data()) out.emplace(std::move(name), value);
  }
  return out;
}

}  // namespace

std::string cuda_component(std::string_view file_name) {
  const Component* c = component_for(file_name);
  return c ? std::string(c->key) : "";
}

std::string header_version(std::string_view component, std::string_view header_text) {
  const Component* c = nullptr;
  for (const auto& k : components())
    if (k.key == component) c = &k;
  if (!c) return "";
  auto d = defines(header_text);
  if (component == "cudart") {
    auto it = d.find("CUDART_VERSION");
    if (it == d.end() || it->second <= 0) return "";
    return std::to_string(it->second / 1000) + "." + std::to_string((it->second % 1000) / 10);
  }
  if (c->major.empty()) return "";
  auto major = d.find(std::string(c->major)), minor = d.find(std::string(c->minor));
  if (major == d.end() || minor == d.end()) return "";
  std::string v = std::to_string(major->second) + "." + std::to_string(minor->second);
  if (auto patch = d.find(std::string(c->patch)); patch != d.end()) v += "." + std::to_string(patch->second);
  return v;
}

void probe_cuda(const std::vector<lockfile::Native>& natives, const FileSystem& fs,
                lockfile::Fingerprint& fp) {
  std::map<std::string, std::set<std::string>> found;
  std::map<std::string, std::string> header_memo;  // header path -> version for its component
  for (const auto& n : natives) {
    std::string name = base_name(n.path);
    const Component* c = component_for(name);
    if (!c) continue;
    auto real = fs.realpath(n.path);
    std::string version;
    for (const std::string& candidate : {name, real ? base_name(*real) : std::string(), n.soname}) {
      if (component_for(candidate) != c) continue;
      std::string v = so_version(candidate);
      if (version.empty() || better(v, version)) version = v;
    }
    std::vector<std::string> dirs;
    for (const std::string& p : {n.path, real ? *real : std::string()})
      if (!p.empty()) dirs.push_back(join_path(parent_path(parent_path(p)), "include"));
    dirs.insert(dirs.end(), {"/usr/include", "/usr/local/cuda/include"});
    std::string from_header;
    for (const auto& dir : dirs) {
      for (auto h : c->headers) {
        std::string path = join_path(dir, h);
        auto memo = header_memo.find(path + '\n' + std::string(c->key));
        if (memo == header_memo.end()) {
          std::string v;
          if (fs.is_file(path)) {
            auto text = fs.read(path, kHeaderLimit);
            if (text) v = header_version(c->key, *text);
          }
          memo = header_memo.emplace(path + '\n' + std::string(c->key), v).first;
        }
        // A header from another installation must not relabel this library.
        const std::string& v = memo->second;
        if (from_header.empty() && !v.empty() && (version.empty() || major_of(v) == major_of(version)))
          from_header = v;
      }
      if (!from_header.empty()) break;
    }
    if (parts(from_header) > parts(version)) version = from_header;
    found[std::string(c->key)].insert(version);
  }
  for (auto& [key, versions] : found) {
    std::vector<std::string> list;
    for (const auto& v : versions)
      if (!v.empty()) list.push_back(v);
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return compare_dotted(a, b) > 0; });
    std::string joined;
    for (const auto& v : list) joined += (joined.empty() ? "" : ", ") + v;
    fp.cuda[key] = joined;
  }
}

}  // namespace envlock::scanner
