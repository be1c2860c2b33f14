#include "cli/render_escape.hpp"

#include <array>
#include <cstdint>

namespace envlock::cli {

namespace {

constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                       '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

void append_hex_byte(std::string& out, std::uint8_t b) {
  out += "\\x";
  out += kHex[b >> 4];
  out += kHex[b & 0xf];
}

void append_u_escape(std::string& out, char32_t cp) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(cp >> shift) & 0xf];
}

bool is_bidi_control(char32_t cp) {
  return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

Utf8Unit decode_utf8(std::string_view s) {
  const auto b0 = static_cast<std::uint8_t>(s[0]);
  if (b0 < 0x80) return {b0, 1, true};
  const Utf8Unit bad{b0, 1, false};
  std::size_t length = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    length = 2, cp = b0 & 0x1f, min = 0x80;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    length = 3, cp = b0 & 0x0f, min = 0x800;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    length = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return bad;  // continuation byte, 0xc0/0xc1 (always overlong) or 0xf5..0xff
  }
  if (s.size() < length) return bad;
  for (std::size_t i = 1; i < length; ++i) {
    const auto b = static_cast<std::uint8_t>(s[i]);
    if ((b & 0xc0) != 0x80) return bad;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return bad;
  return {cp, length, true};
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

std::string make_visible(std::string_view s, LineBreaks line_breaks) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    const Utf8Unit u = decode_utf8(s);
    const char32_t cp = u.code_point;
    s.remove_prefix(u.length);
    if (!u.valid) {
      append_hex_byte(out, static_cast<std::uint8_t>(cp));
    } else if (cp == '\n' || cp == '\t') {
      if (line_breaks == LineBreaks::kKeep) {
        out += static_cast<char>(cp);
      } else {
        out += cp == '\n' ? "\\n" : "\\t";
      }
    } else if (cp == '\r') {
      out += "\\r";  // a bare CR rewrites the start of a terminal line
    } else if (cp < 0x20 || cp == 0x7f) {
      append_hex_byte(out, static_cast<std::uint8_t>(cp));
    } else if ((cp >= 0x80 && cp <= 0x9f) || is_bidi_control(cp) || cp == 0xfffe ||
               cp == 0xffff) {
      append_u_escape(out, cp);  // C1 CSI (U+009B) is a terminal escape too
    } else {
      append_utf8(out, cp);
    }
  }
  return out;
}

std::string escape_terminal(std::string_view s) { return make_visible(s, LineBreaks::kEscape); }

namespace {

std::string xml_escape_visible(std::string_view s, bool breaks_as_references) {
  const std::string visible = make_visible(s, LineBreaks::kKeep);
  std::string out;
  out.reserve(visible.size());
  for (char c : visible) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '\n': out += breaks_as_references ? "&#10;" : "\n"; break;
      case '\t': out += breaks_as_references ? "&#9;" : "\t"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string escape_xml(std::string_view s) { return xml_escape_visible(s, true); }

std::string escape_xml_text(std::string_view s) { return xml_escape_visible(s, false); }

std::string escape_markdown(std::string_view s) {
  const std::string visible = make_visible(s, LineBreaks::kKeep);
  std::string out;
  out.reserve(visible.size());
  for (char c : visible) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\n': out += "<br>"; break;
      case '\t': out += ' '; break;
      case '\\': case '`': case '*': case '_': case '[': case ']': case '|': case '~':
        out += '\\';
        out += c;
        break;
      default: out += c;
    }
  }
  return out;
}

std::size_t display_width(std::string_view s) {
  std::size_t width = 0;
  for (char c : s) {
    if ((static_cast<std::uint8_t>(c) & 0xc0) != 0x80) ++width;
  }
  return width;
}

}  // namespace envlock::cli
