// Text from a server, made safe to print on a terminal, one line: every character that moves
// the cursor, changes the terminal's state or reorders what is shown is written as a visible
// \uXXXX escape instead.
#pragma once

#include <string>
#include <string_view>

namespace nodehost {

// Whether a backslash of the text itself is doubled: yes for plain text, so an escape in the
// output always means an escaped character; no for JSON text, whose backslashes are escapes.
enum class Backslashes { escape, keep };

// Escaped: C0 controls (tab and newline among them), DEL, C1 controls (U+0080-U+009F, which
// some terminals take as ESC sequences), the line and paragraph separators U+2028/U+2029, and
// the bidirectional controls (U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069) that can make a
// line read differently from what it holds. A byte that is not valid UTF-8 is written as \xNN.
// In JSON text (Backslashes::keep) these characters can only stand inside strings, where the
// escape means the same character: the result is the same JSON.
std::string visible_text(std::string_view utf8, Backslashes backslashes = Backslashes::escape);

}  // namespace nodehost
