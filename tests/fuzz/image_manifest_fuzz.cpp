// libFuzzer target for the image metadata parsers: any bytes given as an OCI
// index, manifest, config or docker manifest.json must parse or fail with a
// message naming the member, never crash. The first byte picks the parser so
// one corpus covers all four.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scanner/image/image_archive.hpp"
#include "scanner/image/image_manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace envlock::scanner;
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string_view what = "fuzz.json";
  auto named = [&](const envlock::Error& e) {
    if (e.message.rfind(what, 0) != 0) std::abort();
  };
  switch (data[0] % 5) {
    case 0: {
      auto r = parse_image_index(text, what);
      if (!r) named(r.error());
      else
        for (const auto& d : r->manifests) {
          if (!digest_hex(d.digest, what)) std::abort();  // accepted digests are valid
          if (d.platform) platform_matches(Platform{"linux", "amd64", ""}, *d.platform);
        }
      break;
    }
    case 1: {
      auto r = parse_image_manifest(text, what);
      if (!r) named(r.error());
      break;
    }
    case 2: {
      auto r = parse_image_config(text, what);
      if (!r) named(r.error());
      break;
    }
    case 3: {
      auto r = parse_docker_manifest(text, what);
      if (!r) named(r.error());
      else
        for (const auto& e : *r)
          for (const auto& t : e.repo_tags) ref_matches(t, text.substr(0, 40));
      break;
    }
    default: {
      (void)looks_like_index(text);
      auto p = parse_platform(text);
      if (p && parse_platform(p->str())->str() != p->str()) std::abort();
      (void)digest_hex(text, what);
      break;
    }
  }
  return 0;
}
