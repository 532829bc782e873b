// JSON as Microsoft's OData writer sends it by default (ODataStringEscapeOption.EscapeNonAscii):
// every character outside ASCII as \uXXXX with lower-case hex, one beyond the BMP as a UTF-16
// surrogate pair ("Müller" is "M\u00fcller", U+1F600 is "\ud83d\ude00"). A real 3CX answers so.
#pragma once

#include <string>
#include <string_view>

namespace emulator {

// `json` (valid UTF-8, as the emulator writes it) with each non-ASCII character escaped. Such
// characters stand only inside strings, so the result is the same JSON value.
std::string escape_non_ascii(std::string_view json);

}  // namespace emulator
