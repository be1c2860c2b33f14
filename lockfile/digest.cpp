#include "lockfile/digest.hpp"

#include "base/sha256.hpp"
#include "lockfile/json_codec.hpp"

namespace envlock::lockfile {

using nlohmann::json;

namespace {

// Valid UTF-8 is guaranteed by both parsers and by to_json; `replace` only
// keeps dump() from throwing should that ever not hold.
std::string compact(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::string canonical_form_of_document(const json& document) {
  if (!document.is_object()) return compact(document);
  // Same bytes as dumping a copy without "envlock", without copying the tree.
  std::string out = "{";
  bool first = true;
  for (auto it = document.begin(); it != document.end(); ++it) {
    if (it.key() == "envlock") continue;
    if (!first) out += ',';
    first = false;
    out += compact(json(it.key()));
    out += ':';
    out += compact(it.value());
  }
  return out + "}";
}

std::string digest_of_document(const json& document) {
  return "sha256:" + sha256_hex(canonical_form_of_document(document));
}

std::string canonical_form(const Fingerprint& fp) {
  return canonical_form_of_document(to_json(fp));
}

std::string compute_digest(const Fingerprint& fp) {
  return "sha256:" + sha256_hex(canonical_form(fp));
}

}  // namespace envlock::lockfile
