#include "lockfile/signature.hpp"

#include <optional>
#include <vector>

#include <cryptopp/integer.h>
#include <cryptopp/nbtheory.h>
#include <cryptopp/osrng.h>
#include <cryptopp/xed25519.h>

#include "base/sha256.hpp"
#include "base/text.hpp"

namespace envlock::lockfile {

namespace {

constexpr std::string_view kPrivatePrefix = "envlock-ed25519-private:";
constexpr std::string_view kPublicPrefix = "envlock-ed25519-public:";
constexpr std::string_view kLinePrefix = "signature = \"ed25519:";
constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kSignatureBytes = 64;

// Signature files are trimmed of these only (not \v or \f).
constexpr std::string_view kSpace = " \t\r\n";

// The 32 key bytes of `text` when it is "<prefix><64 hex>", else nullopt.
std::optional<std::string> key_bytes(std::string_view text, std::string_view prefix) {
  text = trim(text, kSpace);
  if (text.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string bytes = hex_decode(text.substr(prefix.size()));
  if (bytes.size() != kKeyBytes) return std::nullopt;
  return bytes;
}

// Why a public key is unusable, or nullopt when it is a sound Ed25519 point.
//
// Crypto++'s ed25519Verifier accepts any 32 bytes as a key. A small-order
// point A (the identity, the other seven points of order 2, 4 or 8) makes
// [k]A vanish or cycle in the verification equation [S]B = R + [k]A, so a
// "signature" R = [S]B verifies for any text: the identity key verified a
// forged lock. A key is accepted only when it decodes canonically (y < p, no
// "negative zero" x), lies on the curve, and [8]A is not the identity.
// Plain big-integer arithmetic: one key per run, speed does not matter.
std::optional<std::string> public_key_problem(const std::string& key) {
  using CryptoPP::Integer;
  const Integer p = Integer::Power2(255) - Integer(19);
  // By value on purpose: ModularArithmetic returns references to one shared
  // result buffer, which nested calls would overwrite.
  auto mod = [&](const Integer& a) { return a.Modulo(p); };
  auto mul = [&](const Integer& a, const Integer& b) { return mod(a * b); };
  auto add = [&](const Integer& a, const Integer& b) { return mod(a + b); };
  auto sub = [&](const Integer& a, const Integer& b) { return mod(a + p - b); };
  auto div = [&](const Integer& a, const Integer& b) { return mul(a, b.InverseMod(p)); };
  auto pow = [&](const Integer& a, const Integer& e) { return CryptoPP::ModularExponentiation(a, e, p); };
  // Little-endian y with the top bit as the sign of x (RFC 8032, 5.1.3).
  std::string be(key.rbegin(), key.rend());
  const bool x_odd = (static_cast<unsigned char>(be[0]) & 0x80) != 0;
  be[0] = static_cast<char>(static_cast<unsigned char>(be[0]) & 0x7f);
  Integer y(reinterpret_cast<const CryptoPP::byte*>(be.data()), be.size());
  if (y >= p) return "non-canonical encoding (y is not below 2^255-19)";
  const Integer d = sub(Integer::Zero(), div(Integer(121665), Integer(121666)));
  const Integer one = Integer::One();
  const Integer ratio = div(sub(mul(y, y), one), add(mul(d, mul(y, y)), one));
  // A square root of ratio for p = 5 (mod 8): ratio^((p+3)/8), times sqrt(-1) if needed.
  Integer x = pow(ratio, (p + Integer(3)) / Integer(8));
  if (mul(x, x) != ratio) {
    x = mul(x, pow(Integer(2), (p - one) / Integer(4)));
    if (mul(x, x) != ratio) return "not a point on the Ed25519 curve";
  }
  if (x.IsZero() && x_odd) return "non-canonical encoding (x = 0 with the sign bit set)";
  if (x.IsOdd() != x_odd) x = sub(Integer::Zero(), x);
  // Three doublings with the complete twisted Edwards addition law (a = -1).
  for (int i = 0; i < 3; ++i) {
    const Integer xy = mul(x, y);
    const Integer t = mul(d, mul(xy, xy));
    const Integer nx = div(add(xy, xy), add(one, t));
    const Integer ny = div(add(mul(y, y), mul(x, x)), sub(one, t));
    x = nx;
    y = ny;
  }
  if (x.IsZero() && y == one) return "a small-order point (it would accept forged signatures)";
  return std::nullopt;
}

const CryptoPP::byte* as_bytes(const std::string& s) {
  return reinterpret_cast<const CryptoPP::byte*>(s.data());
}

/// One line of the text: [begin, end) without the newline, `next` after it.
struct Line {
  std::size_t begin, end, next;
};

std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::size_t next = nl == std::string_view::npos ? text.size() : nl + 1;
    lines.push_back({pos, end, next});
    pos = next;
  }
  return lines;
}

bool is_header(std::string_view line) {
  line = trim(line, kSpace);
  return !line.empty() && line.front() == '[';
}

bool is_envlock_header(std::string_view line) {
  line = trim(line, kSpace);
  if (line.substr(0, 9) != "[envlock]") return false;
  std::string_view rest = trim(line.substr(9), kSpace);
  return rest.empty() || rest.front() == '#';
}

/// The lines of the [envlock] table (after its header), [first, last).
struct Section {
  std::size_t header, first, last;
};

std::optional<Section> envlock_section(std::string_view text, const std::vector<Line>& lines) {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto body = text.substr(lines[i].begin, lines[i].end - lines[i].begin);
    if (!is_envlock_header(body)) continue;
    std::size_t j = i + 1;
    while (j < lines.size() &&
           !is_header(text.substr(lines[j].begin, lines[j].end - lines[j].begin))) {
      ++j;
    }
    return Section{i, i + 1, j};
  }
  return std::nullopt;
}

// Where sign_lock_text puts the signature line in unsigned text: after the last
// line of [envlock] that is neither blank nor only a comment.
std::optional<std::size_t> insertion_offset(std::string_view text) {
  auto lines = split_lines(text);
  auto section = envlock_section(text, lines);
  if (!section) return std::nullopt;
  std::size_t at = section->header;
  for (std::size_t i = section->first; i < section->last; ++i) {
    auto body = trim(text.substr(lines[i].begin, lines[i].end - lines[i].begin), kSpace);
    if (!body.empty() && body.front() != '#') at = i;
  }
  return lines[at].next;
}

struct Found {
  std::size_t begin = 0, next = 0;  ///< the signature line, newline included
  std::string hex;
};

enum class Search { kNone, kOne, kMalformed, kSeveral };

// Looks for `signature = ...` lines inside [envlock].
Search find_signature(std::string_view text, Found& found) {
  auto lines = split_lines(text);
  auto section = envlock_section(text, lines);
  if (!section) return Search::kNone;
  int count = 0;
  bool malformed = false;
  for (std::size_t i = section->first; i < section->last; ++i) {
    auto body = text.substr(lines[i].begin, lines[i].end - lines[i].begin);
    std::string_view t = trim(body, kSpace);
    if (t.substr(0, 9) != "signature") continue;
    std::string_view after = trim(t.substr(9), kSpace);
    if (after.empty() || after.front() != '=') continue;  // e.g. "signatures = ..."
    ++count;
    bool exact = body.size() == kLinePrefix.size() + 2 * kSignatureBytes + 1 &&
                 body.substr(0, kLinePrefix.size()) == kLinePrefix && body.back() == '"';
    std::string hex = exact ? std::string(body.substr(kLinePrefix.size(), 2 * kSignatureBytes)) : "";
    for (char c : hex) exact = exact && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    if (!exact) {
      malformed = true;
      continue;
    }
    found = Found{lines[i].begin, lines[i].next, hex};
  }
  if (count == 0) return Search::kNone;
  if (count > 1) return Search::kSeveral;
  return malformed ? Search::kMalformed : Search::kOne;
}

std::string without(std::string_view text, const Found& f) {
  return std::string(text.substr(0, f.begin)) + std::string(text.substr(f.next));
}

}  // namespace

Result<KeyPair> generate_keypair() {
  try {
    CryptoPP::AutoSeededRandomPool rng;
    CryptoPP::ed25519Signer signer(rng);
    const auto& key = dynamic_cast<const CryptoPP::ed25519PrivateKey&>(signer.GetPrivateKey());
    auto hex = [](const CryptoPP::byte* p) {
      return hex_encode(std::string_view(reinterpret_cast<const char*>(p), kKeyBytes));
    };
    KeyPair pair;
    pair.private_pem_or_text =
        std::string(kPrivatePrefix) + hex(key.GetPrivateKeyBytePtr()) + "\n";
    pair.public_text = std::string(kPublicPrefix) + hex(key.GetPublicKeyBytePtr()) + "\n";
    return pair;
  } catch (const std::exception& e) {
    return fail(std::string("cannot generate a key pair: ") + e.what());
  }
}

Result<void> check_public_key(std::string_view public_key_text, std::string_view key_source) {
  if (auto key = key_bytes(public_key_text, kPublicPrefix)) {
    if (auto problem = public_key_problem(*key)) {
      return fail(std::string(key_source) + ": not a valid Ed25519 public key: " + *problem);
    }
    return {};
  }
  if (key_bytes(public_key_text, kPrivatePrefix)) {
    return fail(std::string(key_source) +
                ": is a private key; verifying needs the public key (PREFIX.pub)");
  }
  return fail(std::string(key_source) +
              ": not an envlock public key (expected one line \"envlock-ed25519-public:\" and 64 "
              "hex digits)");
}

Result<std::string> sign_lock_text(std::string_view lock_text, std::string_view private_key_text,
                                   std::string_view key_source) {
  auto seed = key_bytes(private_key_text, kPrivatePrefix);
  if (!seed) {
    if (key_bytes(private_key_text, kPublicPrefix)) {
      return fail(std::string(key_source) +
                  ": is a public key; signing needs the private key (PREFIX.key)");
    }
    return fail(std::string(key_source) +
                ": not an envlock private key (expected one line \"envlock-ed25519-private:\" and "
                "64 hex digits)");
  }
  std::string text(lock_text);
  Found old;
  switch (find_signature(text, old)) {
    case Search::kOne: text = without(text, old); break;  // re-signing
    case Search::kNone: break;
    default: return fail("cannot sign: [envlock] already has a malformed signature line");
  }
  if (!text.empty() && text.back() != '\n') text += '\n';
  auto at = insertion_offset(text);
  if (!at) return fail("cannot sign: the lock has no [envlock] table");
  try {
    CryptoPP::ed25519Signer signer(as_bytes(*seed));
    std::string sig(kSignatureBytes, '\0');
    signer.SignMessage(CryptoPP::NullRNG(), as_bytes(text), text.size(),
                       reinterpret_cast<CryptoPP::byte*>(sig.data()));
    std::string line = std::string(kLinePrefix) + hex_encode(sig) + "\"\n";
    return text.substr(0, *at) + line + text.substr(*at);
  } catch (const std::exception& e) {
    return fail(std::string("cannot sign: ") + e.what());
  }
}

Result<void> verify_lock_signature(std::string_view lock_text, std::string_view public_key_text,
                                   std::string_view source) {
  // Every key is validated before it can take part in a verification.
  ENVLOCK_TRY(check_public_key(public_key_text, "public key"));
  auto key = key_bytes(public_key_text, kPublicPrefix);
  std::string src(source);
  Found found;
  switch (find_signature(lock_text, found)) {
    case Search::kNone:
      return fail(src + ": not signed (no signature line in [envlock])", ErrorKind::kIntegrity);
    case Search::kSeveral:
      return fail(src + ": more than one signature line in [envlock]", ErrorKind::kIntegrity);
    case Search::kMalformed:
      return fail(src + ": malformed signature line (expected signature = \"ed25519:\" and 128 "
                        "hex digits)",
                  ErrorKind::kIntegrity);
    case Search::kOne: break;
  }
  std::string covered = without(lock_text, found);
  if (insertion_offset(covered) != found.begin) {
    return fail(src + ": signature line was moved; the lock was edited after signing",
                ErrorKind::kIntegrity);
  }
  std::string sig = hex_decode(found.hex);
  bool good = false;
  try {
    CryptoPP::ed25519Verifier verifier(as_bytes(*key));
    good = verifier.VerifyMessage(as_bytes(covered), covered.size(), as_bytes(sig), sig.size());
  } catch (const std::exception&) {
    good = false;
  }
  if (!good) {
    return fail(src + ": signature does not match: the lock was edited after signing, or signed "
                      "with another key",
                ErrorKind::kIntegrity);
  }
  return {};
}

}  // namespace envlock::lockfile
