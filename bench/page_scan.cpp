// The page scan alone, the one hot path of an export: how fast each JSON library reads the
// records of a page, measured on the records an export wrote (JSON Lines, given as the only
// argument). Prints a Markdown table for BENCHMARKS.md. bench/bench.py runs it.
//
//   RapidJSON, as the reader used it before: SAX with UTF-8 validation, numbers kept as text,
//     over one contiguous page (no stream in the way: its best case).
//   RapidJSON without UTF-8 validation (SSE2 string scanning on): faster, but not enough.
//   simdjson, as the reader uses it now: each record validated in place, one parse each.
#define RAPIDJSON_SSE2
#include <rapidjson/reader.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

// Counts records (objects one level inside the array) and nothing else.
struct Records : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Records> {
    int level = 0;
    size_t count = 0;
    bool StartObject() { return ++level > 0; }
    bool EndObject(rapidjson::SizeType) { count += --level == 2; return true; }  // page, "value", record
    bool StartArray() { return ++level > 0; }
    bool EndArray(rapidjson::SizeType) { return --level >= 0; }
};

template <typename Fn> double best_ms(Fn &&fn) {
    double best = 1e300;
    for (int run = 0; run < 5; ++run) {
        auto start = std::chrono::steady_clock::now();
        fn();
        best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    return best;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: page_scan RECORDS.jsonl\n");
        return 2;
    }
    std::ifstream in(argv[1]);
    std::vector<std::string> records;
    for (std::string line; std::getline(in, line);) records.push_back(line);
    std::string page = "{\"@odata.count\":" + std::to_string(records.size()) + ",\"value\":[";
    for (size_t i = 0; i < records.size(); ++i) page += (i ? "," : "") + records[i];
    page += "]}";
    // Each record followed by the padding simdjson reads ahead into, as the reader's window has.
    std::string padded;
    std::vector<std::pair<size_t, size_t>> spans;
    for (const auto &r : records) {
        spans.emplace_back(padded.size(), r.size());
        padded += r + ',';
    }
    padded.append(simdjson::SIMDJSON_PADDING, ' ');

    size_t found = 0;
    bool ok = true;
    auto rapid = [&](auto flags) {
        return best_ms([&] {
            Records h;
            rapidjson::Reader reader;
            rapidjson::StringStream s(page.c_str());
            ok &= !reader.Parse<decltype(flags)::value | rapidjson::kParseNumbersAsStringsFlag>(s, h).IsError();
            found = h.count;
        });
    };
    const double validating = rapid(std::integral_constant<unsigned, rapidjson::kParseValidateEncodingFlag>{});
    const size_t rapid_found = found;
    const double plain = rapid(std::integral_constant<unsigned, rapidjson::kParseNoFlags>{});
    simdjson::dom::parser parser;
    const double simd = best_ms([&] {
        found = 0;
        for (auto [at, size] : spans) {
            simdjson::dom::element doc;
            ok &= parser.parse(padded.data() + at, size, false).get(doc) == simdjson::SUCCESS;
            ++found;
        }
    });
    if (!ok || rapid_found != records.size() || found != records.size()) {
        std::fprintf(stderr, "page_scan: a parser disagreed about the records (ok %d, RapidJSON %zu, simdjson %zu, lines %zu)\n",
                     ok, rapid_found, found, records.size());
        return 1;
    }
    const double mb = static_cast<double>(page.size()) / 1e6;
    std::printf("| reader | ms (best of 5) | MB/s |\n|---|---|---|\n");
    std::printf("| RapidJSON SAX, UTF-8 validated (the reader before) | %.1f | %.0f |\n", validating, mb / validating * 1000);
    std::printf("| RapidJSON SAX, no UTF-8 validation (SSE2) | %.1f | %.0f |\n", plain, mb / plain * 1000);
    std::printf("| simdjson, each record validated in place (the reader now) | %.1f | %.0f |\n", simd, mb / simd * 1000);
    std::printf("\n%zu records, %.1f MB of page.\n", records.size(), mb);
    return 0;
}
